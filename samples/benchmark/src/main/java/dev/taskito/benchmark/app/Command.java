package dev.taskito.benchmark.app;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One line the orchestrator writes to an application JVM's standard input: a name and its
 * arguments, separated by spaces, such as {@code ENQUEUE noop 20000 500}. The application
 * answers each with one {@link Reply} line.
 *
 * @param name the command, upper case
 * @param args its arguments
 */
public record Command(String name, List<String> args) {

	/** Resets what the tasks recorded (between runs, with nothing running). */
	public static final String RESET = "RESET";

	/** Resumes the default queue through the {@code TaskDispatcher} bean: the timing starts. */
	public static final String GO = "GO";

	/** Pauses the default queue (for every instance) until the next {@code GO}. */
	public static final String PAUSE = "PAUSE";

	/** What the {@code noop} and {@code capped} tasks recorded, and the claims held. */
	public static final String STATS = "STATS";

	/** The {@code capped} task's handler intervals. */
	public static final String SPANS = "SPANS";

	/** The {@code latency} task's samples. */
	public static final String LATENCY = "LATENCY";

	/** Heap after a full collection and the resident set. */
	public static final String MEMORY = "MEMORY";

	/** {@code ENQUEUE task n batch}: n jobs through {@code enqueueAll}, batch at a time. */
	public static final String ENQUEUE = "ENQUEUE";

	/** {@code ENQUEUE_SINGLE n threads}: n {@code noop} jobs, one {@code enqueue} call each. */
	public static final String ENQUEUE_SINGLE = "ENQUEUE_SINGLE";

	/** {@code PRODUCE rate seconds warmupSeconds}: {@code latency} jobs at a fixed rate. */
	public static final String PRODUCE = "PRODUCE";

	/** Replies, then stops the application gracefully ({@code SpringApplication.exit}). */
	public static final String EXIT = "EXIT";

	/**
	 * @param line a line such as {@code ENQUEUE noop 20000 500}
	 * @return the command
	 * @throws IllegalArgumentException for a blank line
	 */
	public static Command parse(String line) {
		String[] words = line.trim().split("\\s+");
		if (words[0].isEmpty()) {
			throw new IllegalArgumentException("Empty command");
		}
		return new Command(words[0].toUpperCase(Locale.ROOT), List.of(Arrays.copyOfRange(words, 1, words.length)));
	}

	/**
	 * @param name the command
	 * @param args its arguments
	 * @return the command
	 */
	public static Command of(String name, Object... args) {
		return new Command(name, Arrays.stream(args).map(String::valueOf).toList());
	}

	/**
	 * @param index the argument's position, from 0
	 * @param what the argument's name, for the message
	 * @return the argument as a whole number
	 * @throws IllegalArgumentException naming the command when it is missing or no number
	 */
	public long number(int index, String what) {
		try {
			return Long.parseLong(text(index, what));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(this.name + ": " + what + " must be a whole number, not '"
					+ this.args.get(index) + "'");
		}
	}

	/**
	 * @param index the argument's position, from 0
	 * @param what the argument's name, for the message
	 * @return the argument as a number
	 * @throws IllegalArgumentException naming the command when it is missing or no number
	 */
	public double decimal(int index, String what) {
		try {
			return Double.parseDouble(text(index, what));
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(
					this.name + ": " + what + " must be a number, not '" + this.args.get(index) + "'");
		}
	}

	/**
	 * @param index the argument's position, from 0
	 * @param what the argument's name, for the message
	 * @return the argument
	 * @throws IllegalArgumentException naming the command when it is missing
	 */
	public String text(int index, String what) {
		if (index >= this.args.size()) {
			throw new IllegalArgumentException(this.name + " needs " + what);
		}
		return this.args.get(index);
	}

	/**
	 * @return the line to send
	 */
	public String line() {
		return this.args.isEmpty() ? this.name : this.name + " " + String.join(" ", this.args);
	}

}
