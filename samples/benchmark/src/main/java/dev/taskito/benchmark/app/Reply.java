package dev.taskito.benchmark.app;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One line an application JVM writes to its standard output: {@code READY}, {@code OK} or
 * {@code ERR}, then {@code key=value} fields (values hold no spaces; lists are comma
 * separated), such as {@code OK noop=20000 first=1733100000000000 last=1733100002500000}.
 * An {@code ERR} line's rest is its message. Any other line on standard output is not part
 * of the protocol (the orchestrator passes it on to its own standard error).
 *
 * @param status {@code READY}, {@code OK} or {@code ERR}
 * @param fields the fields, in their order; an error's text under {@code message}
 */
public record Reply(String status, Map<String, String> fields) {

	/** The first line, once the application has started. */
	public static final String READY = "READY";

	/** A command that did what it was asked. */
	public static final String OK = "OK";

	/** A command that failed; the rest of the line says why. */
	public static final String ERR = "ERR";

	/**
	 * @param line a line of the application's standard output
	 * @return whether the line is a reply (and not, say, a library printing to stdout)
	 */
	public static boolean isReply(String line) {
		String status = line.split(" ", 2)[0];
		return status.equals(READY) || status.equals(OK) || status.equals(ERR);
	}

	/**
	 * @param line a reply line
	 * @return the reply
	 * @throws IllegalArgumentException if the line is no reply or a field has no value
	 */
	public static Reply parse(String line) {
		if (!isReply(line)) {
			throw new IllegalArgumentException("Not a reply: " + line);
		}
		String[] parts = line.split(" ", 2);
		String rest = (parts.length > 1) ? parts[1].trim() : "";
		Map<String, String> fields = new LinkedHashMap<>();
		if (parts[0].equals(ERR)) {
			fields.put("message", rest);
			return new Reply(parts[0], fields);
		}
		for (String field : rest.split("\\s+")) {
			if (field.isEmpty()) {
				continue;
			}
			int equals = field.indexOf('=');
			if (equals < 1) {
				throw new IllegalArgumentException("Field '" + field + "' has no value in: " + line);
			}
			fields.put(field.substring(0, equals), field.substring(equals + 1));
		}
		return new Reply(parts[0], fields);
	}

	/**
	 * @param fields keys and values, alternately (a {@code long[]} becomes a comma list)
	 * @return the {@code OK} line
	 */
	public static String ok(Object... fields) {
		StringBuilder line = new StringBuilder(OK);
		for (int i = 0; i + 1 < fields.length; i += 2) {
			Object value = fields[i + 1];
			String text = (value instanceof long[] numbers)
					? Arrays.stream(numbers).mapToObj(Long::toString).collect(Collectors.joining(","))
					: String.valueOf(value);
			line.append(' ').append(fields[i]).append('=').append(text);
		}
		return line.toString();
	}

	/**
	 * @param message why the command failed
	 * @return the {@code ERR} line, on one line
	 */
	public static String error(String message) {
		return ERR + " " + String.valueOf(message).replaceAll("\\s+", " ");
	}

	/**
	 * @return whether the command succeeded ({@code READY} counts)
	 */
	public boolean succeeded() {
		return !this.status.equals(ERR);
	}

	/**
	 * @param key a field
	 * @return its value
	 * @throws IllegalArgumentException when the reply has no such field
	 */
	public String text(String key) {
		String value = this.fields.get(key);
		if (value == null) {
			throw new IllegalArgumentException("The reply has no '" + key + "': " + this);
		}
		return value;
	}

	/**
	 * @param key a field
	 * @return its value as a whole number
	 */
	public long number(String key) {
		return Long.parseLong(text(key));
	}

	/**
	 * @param key a field
	 * @return its value as a number, {@code null} when the value is {@code null}
	 */
	public Double decimal(String key) {
		String value = text(key);
		return value.equals("null") ? null : Double.valueOf(value);
	}

	/**
	 * @param key a field holding a comma list of whole numbers
	 * @return the numbers, none for an empty value
	 */
	public long[] numbers(String key) {
		String value = text(key);
		return value.isEmpty() ? new long[0] : Arrays.stream(value.split(",")).mapToLong(Long::parseLong).toArray();
	}

}
