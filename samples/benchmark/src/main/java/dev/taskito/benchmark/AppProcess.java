package dev.taskito.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.taskito.benchmark.app.BenchApplication;
import dev.taskito.benchmark.app.Command;
import dev.taskito.benchmark.app.CoreApplication;
import dev.taskito.benchmark.app.Reply;

/**
 * One application JVM of the starter path ({@link BenchApplication}), driven over its
 * standard input and output: one {@link Command} line in, one {@link Reply} line out. Its
 * standard error (its logs) is this JVM's.
 */
final class AppProcess implements AutoCloseable {

	/** The heap of every application JVM, as the core path's benchmark JVM has. */
	static final String HEAP = "-Xmx512m";

	/** The system property whose value (options separated by spaces) each application JVM also gets. */
	static final String APP_JVM_ARGS = "benchmark.appJvmArgs";

	private static final Duration STARTUP = Duration.ofSeconds(90);

	private static final Duration EXIT = Duration.ofSeconds(60);

	private static final String END = "\u0000end";

	private final String label;

	private final Process process;

	private final Writer commands;

	private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

	private AppProcess(String label, Process process) {
		this.label = label;
		this.process = process;
		this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
		Thread reader = new Thread(this::readReplies, "bench-" + label + "-stdout");
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts an application JVM; {@link #awaitReady()} waits for it to be up, so that several
	 * start at once.
	 * @param label a name for messages, such as {@code worker-1}
	 * @param classpath the application's classpath: this build's, or another build's for a
	 * paired comparison
	 * @param mainClass {@link BenchApplication}, or {@link CoreApplication} for the same
	 * application without Spring
	 * @param appArgs the application's command-line properties
	 * @return the process, starting
	 * @throws IOException if the JVM cannot be started
	 */
	static AppProcess start(String label, String classpath, Class<?> mainClass, List<String> appArgs)
			throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add(HEAP);
		// A diagnostic only, such as a flight recording per application (see pom.xml).
		String extra = System.getProperty(APP_JVM_ARGS, "").trim();
		if (!extra.isEmpty()) {
			command.addAll(List.of(extra.split("\\s+")));
		}
		command.add("-cp");
		command.add(classpath);
		command.add(mainClass.getName());
		command.addAll(appArgs);
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		return new AppProcess(label, process);
	}

	/**
	 * Starts several, then waits for them all; stops those started when one fails.
	 * @param labelPrefix names them {@code prefix-1}, {@code prefix-2}...
	 * @param classpath the applications' classpath
	 * @param mainClass their main class, as for {@link #start}
	 * @param appArgs each one's command-line properties
	 * @return the processes, ready
	 * @throws Exception if one does not start
	 */
	static List<AppProcess> startAll(String labelPrefix, String classpath, Class<?> mainClass,
			List<List<String>> appArgs) throws Exception {
		List<AppProcess> started = new ArrayList<>();
		try {
			for (int i = 0; i < appArgs.size(); i++) {
				started.add(start(labelPrefix + "-" + (i + 1), classpath, mainClass, appArgs.get(i)));
			}
			for (AppProcess app : started) {
				app.awaitReady();
			}
			return started;
		}
		catch (Exception ex) {
			closeAll(started);
			throw ex;
		}
	}

	/**
	 * @param apps processes to stop, each gracefully if it can
	 */
	static void closeAll(List<AppProcess> apps) {
		for (AppProcess app : apps) {
			app.close();
		}
	}

	private void readReplies() {
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				if (Reply.isReply(line)) {
					this.replies.add(line);
				}
				else {
					System.err.println("[" + this.label + "] " + line);
				}
			}
		}
		catch (IOException ex) {
			// The process went away; the waiting caller learns it from END.
		}
		this.replies.add(END);
	}

	/**
	 * Waits for the application's {@code READY}.
	 * @return the reply
	 * @throws Exception if it exits or takes too long to start
	 */
	Reply awaitReady() throws Exception {
		return next("startup", STARTUP);
	}

	/**
	 * Sends a command and waits for its reply.
	 * @param command the command
	 * @param timeout the longest to wait
	 * @return the reply, a successful one
	 * @throws Exception if the application failed the command, exited or did not answer in time
	 */
	Reply send(Command command, Duration timeout) throws Exception {
		this.commands.write(command.line() + "\n");
		this.commands.flush();
		Reply reply = next(command.line(), timeout);
		if (!reply.succeeded()) {
			throw new IllegalStateException(this.label + " failed " + command.line() + ": " + reply.text("message"));
		}
		return reply;
	}

	/**
	 * Sends a command that answers at once.
	 * @param name the command
	 * @param args its arguments
	 * @return the reply
	 * @throws Exception as {@link #send(Command, Duration)}
	 */
	Reply send(String name, Object... args) throws Exception {
		return send(Command.of(name, args), Duration.ofSeconds(60));
	}

	private Reply next(String what, Duration timeout) throws Exception {
		String line = this.replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (line == null) {
			throw new IllegalStateException(this.label + " gave no answer to " + what + " within " + timeout);
		}
		if (line.equals(END)) {
			this.replies.add(END);
			this.process.waitFor(5, TimeUnit.SECONDS);
			throw new IllegalStateException(this.label + " exited during " + what
					+ (this.process.isAlive() ? "" : " (exit " + this.process.exitValue() + ")"));
		}
		return Reply.parse(line);
	}

	/**
	 * @return the CPU time the application's JVM has used so far, all its threads
	 */
	Duration cpuTime() {
		return this.process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
	}

	/**
	 * @return the name in messages
	 */
	String label() {
		return this.label;
	}

	/**
	 * Asks the application to stop gracefully; kills it if it does not within a minute.
	 */
	@Override
	public void close() {
		if (!this.process.isAlive()) {
			return;
		}
		try {
			send(Command.of(Command.EXIT), Duration.ofSeconds(10));
			if (!this.process.waitFor(EXIT.toSeconds(), TimeUnit.SECONDS)) {
				System.err.println("[" + this.label + "] did not stop within " + EXIT + ": killed");
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
		catch (Exception ex) {
			System.err.println(
					"[" + this.label + "] could not be stopped gracefully (" + ex.getMessage() + "): killed");
			this.process.destroyForcibly();
		}
	}

}
