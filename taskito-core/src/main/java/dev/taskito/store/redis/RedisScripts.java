package dev.taskito.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * The store's Lua scripts: each read once from its resource file next to this class
 * ({@code dequeue.lua}, {@code finish.lua}, ...) with the part of {@code lib.lua} it reaches in
 * front ({@link LuaLibrary}), loaded with
 * {@code SCRIPT LOAD} when the store starts and run with {@code EVALSHA}. A {@code NOSCRIPT}
 * reply (a restarted or failed-over Redis) loads the script again and retries. Each run is one
 * script, atomic on the server, so a claim, a count and a rollback never interleave with
 * another instance's; a run that fails throws as {@link RedisConnector#call} does.
 */
final class RedisScripts {

	/**
	 * Scripts whose replay would not answer as their first run: a second cancel, retry,
	 * delete or configured pause answers {@code false}, and a second bulk step counts none
	 * of the jobs the first one changed; a second tick finds its last tick taken. (A replayed take of tokens takes them twice, which only slows
	 * the rate down; a replayed give-back finds its call id and credits nothing again.)
	 */
	private static final Set<String> UNREPEATABLE_SCRIPTS = Set.of("cancel", "retry", "cancel_step", "retry_step", "delete",
			"configured_pause", "schedule_tick");

	private final RedisConnector connector;

	private final String[] keys;

	private final Map<String, Script> scripts = new LinkedHashMap<>();

	/**
	 * Reads every script.
	 * @param connector the connection to run them on
	 * @param keys the namespace, every script's only key
	 * @throws IllegalStateException when a script is missing from the class path
	 */
	RedisScripts(RedisConnector connector, RedisKeys keys) {
		this.connector = connector;
		this.keys = new String[] { keys.namespace() };
		LuaLibrary library = new LuaLibrary(readScript("lib"));
		for (String name : List.of("enqueue", "dequeue", "recover", "count", "finish", "rollback", "heartbeat",
				"remove_instance", "stranded", "pause", "tokens", "reap", "purge", "cancel", "retry", "jobs_page",
				"cancel_step", "retry_step", "job_counts", "index_sweep", "reschedule", "delete", "watch",
				"configured_pause", "gauges", "live_instances", "schedule_register", "schedules", "schedule_tick",
				"schedule_pause", "finished_counts")) {
			String script = readScript(name);
			this.scripts.put(name,
					new Script(library.forScript(script) + "\n" + script, !UNREPEATABLE_SCRIPTS.contains(name)));
		}
	}

	/**
	 * Loads every script into Redis, for the store's start before its connection is used.
	 * @param commands the new connection
	 */
	void load(RedisCommands<String, String> commands) {
		for (Script script : this.scripts.values()) {
			script.sha = commands.scriptLoad(script.source);
		}
	}

	/**
	 * Runs a script by its SHA, loading it again when Redis no longer knows it (a restart or
	 * a fail-over to a replica that never saw {@code SCRIPT LOAD}).
	 * @param name the script's file name without {@code .lua}
	 * @param operation what the script does, for messages
	 * @param args the script's {@code ARGV}
	 * @return the script's reply as a list
	 */
	List<Object> run(String name, String operation, List<String> args) {
		Script script = this.scripts.get(name);
		String[] values = args.toArray(new String[0]);
		return this.connector.call(operation, script.repeatable, (commands) -> {
			Object reply;
			try {
				reply = commands.evalsha(script.sha, ScriptOutputType.MULTI, this.keys, values);
			}
			catch (RedisNoScriptException ex) {
				script.sha = commands.scriptLoad(script.source);
				reply = commands.evalsha(script.sha, ScriptOutputType.MULTI, this.keys, values);
			}
			return RedisScriptValues.list(reply);
		});
	}

	/**
	 * Runs two scripts in one round trip: the second is sent right behind the first, without
	 * waiting for the first's reply, and Redis runs them in that order (other clients' commands
	 * may come between), so the second sees what the first wrote. Each answers or fails as
	 * {@link #run} would have: a script Redis no longer knows, or a connection that dropped
	 * under it, is run again through {@link #run}, which only scripts whose replay answers as
	 * their first run may be. Nothing is thrown: a failure is kept in its script's answer, and
	 * the second always runs or is waited for, so the caller knows what it did even when the
	 * first failed.
	 * @param first the script to run first
	 * @param second the script to run right behind it
	 * @return both answers
	 */
	Replies runBoth(Run first, Run second) {
		Script firstScript = repeatable(first);
		Script secondScript = repeatable(second);
		RedisAsyncCommands<String, String> commands;
		try {
			commands = this.connector.async();
		}
		catch (RuntimeException ex) {
			RuntimeException failure = RedisConnector.translate(first.operation(), ex);
			return new Replies(new Answer(List.of(), failure), new Answer(List.of(), failure));
		}
		RedisFuture<Object> firstReply = commands.evalsha(firstScript.sha, ScriptOutputType.MULTI, this.keys,
				first.values());
		RedisFuture<Object> secondReply = commands.evalsha(secondScript.sha, ScriptOutputType.MULTI, this.keys,
				second.values());
		Answer firstAnswer = await(first, firstReply);
		Answer secondAnswer = await(second, secondReply);
		if (firstAnswer.failure() instanceof RunAgain) {
			// Both again, one after the other, as run() runs them: each replay answers as its
			// first run would have, whether or not that first run happened.
			firstAnswer = runKeepingFailure(first);
			secondAnswer = runKeepingFailure(second);
		}
		else if (secondAnswer.failure() instanceof RunAgain) {
			secondAnswer = runKeepingFailure(second);
		}
		return new Replies(firstAnswer, secondAnswer);
	}

	private Answer await(Run run, RedisFuture<Object> reply) {
		try {
			return new Answer(RedisScriptValues.list(this.connector.await(reply)), null);
		}
		catch (RuntimeException ex) {
			if (ex instanceof RedisNoScriptException || RedisConnector.isDroppedConnection(ex)) {
				return new Answer(List.of(), new RunAgain(ex));
			}
			return new Answer(List.of(), RedisConnector.translate(run.operation(), ex));
		}
	}

	private Answer runKeepingFailure(Run run) {
		try {
			return new Answer(run(run.name(), run.operation(), run.args()), null);
		}
		catch (RuntimeException ex) {
			return new Answer(List.of(), ex);
		}
	}

	private Script repeatable(Run run) {
		Script script = this.scripts.get(run.name());
		if (!script.repeatable) {
			throw new IllegalArgumentException("Script " + run.name() + " cannot be run again after a dropped "
					+ "connection, so it cannot be sent behind another; use run()");
		}
		return script;
	}

	private static String readScript(String name) {
		String resource = name + ".lua";
		try (InputStream in = RedisScripts.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Missing Lua script " + resource + " next to " + RedisScripts.class);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read Lua script " + resource, ex);
		}
	}

	/**
	 * One run of a script, for {@link #runBoth}.
	 *
	 * @param name the script's file name without {@code .lua}
	 * @param operation what the script does, for messages
	 * @param args the script's {@code ARGV}
	 */
	record Run(String name, String operation, List<String> args) {

		String[] values() {
			return this.args.toArray(new String[0]);
		}

	}

	/**
	 * A script's reply, or why it has none.
	 *
	 * @param reply the reply, empty when the script failed
	 * @param failure how the script failed, translated as {@link RedisConnector#call} throws
	 *        it, or {@code null}
	 */
	record Answer(List<Object> reply, RuntimeException failure) {

	}

	/**
	 * What {@link #runBoth} got back.
	 *
	 * @param first the first script's reply or failure
	 * @param second the second script's reply or failure
	 */
	record Replies(Answer first, Answer second) {

	}

	/**
	 * A failure that {@link #runBoth} answers by running the script again through {@link #run}.
	 */
	private static final class RunAgain extends RuntimeException {

		RunAgain(RuntimeException cause) {
			super(cause);
		}

	}

	/**
	 * A script's source (the shared library and the script) and its SHA once loaded.
	 */
	private static final class Script {

		final String source;

		/** Whether a replay after a dropped connection answers as the first run would. */
		final boolean repeatable;

		volatile String sha;

		Script(String source, boolean repeatable) {
			this.source = source;
			this.repeatable = repeatable;
		}

	}

}
