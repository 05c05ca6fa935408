package dev.taskito.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
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
