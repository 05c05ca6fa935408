package dev.taskito.benchmark.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs a peer's drain ({@link PeerDrain}) in a JVM of its own, with this JVM's java executable
 * and class path, so that its threads, heap and JIT owe nothing to Taskito's, and returns its
 * figures. The peer's stderr is passed through; its stdout carries the result line.
 */
public final class Peers {

	/** The peer JVM's heap, the same as the benchmark's own. */
	static final String HEAP = "-Xmx512m";

	private Peers() {
	}

	/**
	 * Runs the drain and waits for it: the warm-up plus {@code runs} drains, each allowed
	 * {@link PeerDrain#DRAIN_TIMEOUT}.
	 * @param options the peer, its database and the drain's size
	 * @return the median jobs/s and each run's
	 * @throws IllegalStateException if the peer's JVM failed, timed out or printed no result
	 * @throws InterruptedException if interrupted while waiting (the peer's JVM is then killed)
	 */
	public static PeerResult drain(PeerOptions options) throws InterruptedException {
		List<String> command = command(options);
		Process process;
		try {
			process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start the " + options.peer() + " drain: " + command, ex);
		}
		// Read stdout on a thread of its own: a peer that hangs before it prints must still
		// meet the timeout below rather than block this thread in readLine.
		List<String> output = new CopyOnWriteArrayList<>();
		Thread reader = new Thread(() -> readLines(process, options.peer(), output), "peer-" + options.peer() + "-stdout");
		reader.setDaemon(true);
		reader.start();
		long timeoutMinutes = (options.runs() + 1) * PeerDrain.DRAIN_TIMEOUT.toMinutes() + 2;
		try {
			if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IllegalStateException(
						"The " + options.peer() + " drain did not finish within " + timeoutMinutes + " minutes");
			}
			reader.join(TimeUnit.SECONDS.toMillis(10));
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			throw ex;
		}
		return result(options.peer(), process.exitValue(), List.copyOf(output));
	}

	private static void readLines(Process process, String peer, List<String> output) {
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				output.add(line);
				if (!PeerResult.isResult(line)) {
					System.err.println("    [" + peer + "] " + line);
				}
			}
		}
		catch (IOException ex) {
			// The process ended or was killed: its exit code and the lines read so far tell the rest.
		}
	}

	/**
	 * @param options the peer drain's options
	 * @return the command line of the peer's JVM
	 */
	static List<String> command(PeerOptions options) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add(HEAP);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(PeerDrain.class.getName());
		command.addAll(options.args());
		return command;
	}

	/**
	 * @param peer the peer's name, for the message
	 * @param exit the peer JVM's exit code
	 * @param output its stdout lines
	 * @return the result it printed
	 * @throws IllegalStateException if it failed or printed no well-formed result
	 */
	static PeerResult result(String peer, int exit, List<String> output) {
		List<String> results = output.stream().filter(PeerResult::isResult).toList();
		if (exit != 0 || results.size() != 1) {
			throw new IllegalStateException("The " + peer + " drain failed (exit " + exit + ", "
					+ results.size() + " result lines; its stderr says why): " + output);
		}
		try {
			return PeerResult.parse(results.get(0));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("The " + peer + " drain printed a malformed result: " + results.get(0), ex);
		}
	}

}
