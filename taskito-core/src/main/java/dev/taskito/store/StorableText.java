package dev.taskito.store;

/**
 * Makes the text of an outcome (an error, a result) storable and bounded the same way for
 * every store, before any store sees it, so that no outcome can be refused for its text and
 * every store keeps the same text.
 *
 * <p>Characters some store rejects or silently mangles are replaced by U+FFFD (the
 * replacement character, visible where the text is read): NUL, which PostgreSQL's
 * {@code text} refuses, and unpaired surrogates, which cannot be encoded as UTF-8 (PostgreSQL
 * and Redis would keep a {@code ?} instead). An error text longer than
 * {@link #MAX_ERROR_LENGTH} is cut, and says so at its end. A result is JSON, which a cut
 * would break, so a result longer than {@link #MAX_RESULT_LENGTH} is refused instead: the
 * dispatcher records that attempt as failed. Every store keeps texts of these lengths whole.
 */
public final class StorableText {

	/**
	 * The most characters of an error text (the failure's message and stack trace) that a job
	 * keeps: 64 Ki characters. Longer texts are cut and marked as cut.
	 */
	public static final int MAX_ERROR_LENGTH = 64 * 1024;

	/**
	 * The most characters of a result, as JSON, that a job can store: 1 Mi characters. A
	 * handler that returns more fails its attempt, naming its task, the size and this limit.
	 */
	public static final int MAX_RESULT_LENGTH = 1024 * 1024;

	private static final char REPLACEMENT = '\uFFFD';

	private StorableText() {
	}

	/**
	 * @param error an error text, or {@code null}
	 * @return the text with unstorable characters replaced and, when longer than
	 *         {@link #MAX_ERROR_LENGTH}, cut to that length with a note saying how long it was
	 */
	public static String error(String error) {
		if (error == null) {
			return null;
		}
		String storable = replaceUnstorable(error);
		if (storable.length() <= MAX_ERROR_LENGTH) {
			return storable;
		}
		String note = "\n... (cut by Taskito: " + storable.length() + " characters, the first %d kept)";
		int kept = MAX_ERROR_LENGTH - String.format(note, MAX_ERROR_LENGTH).length();
		if (Character.isHighSurrogate(storable.charAt(kept - 1))) {
			// Never leave half a pair at the cut: the text would no longer be storable.
			kept--;
		}
		return storable.substring(0, kept) + String.format(note, kept);
	}

	/**
	 * @param result a result as JSON, or {@code null}
	 * @return the result with unstorable characters replaced
	 * @throws IllegalArgumentException when it is longer than {@link #MAX_RESULT_LENGTH}
	 */
	public static String result(String result) {
		if (result == null) {
			return null;
		}
		if (isTooLongForResult(result)) {
			throw new IllegalArgumentException("A result of " + result.length()
					+ " characters of JSON is longer than the " + MAX_RESULT_LENGTH + " a job can store");
		}
		return replaceUnstorable(result);
	}

	/**
	 * @param result a result as JSON, or {@code null}
	 * @return whether it is too long to store
	 */
	public static boolean isTooLongForResult(String result) {
		return result != null && result.length() > MAX_RESULT_LENGTH;
	}

	private static String replaceUnstorable(String text) {
		StringBuilder replaced = null;
		int length = text.length();
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			boolean unstorable;
			if (Character.isHighSurrogate(c)) {
				unstorable = i + 1 == length || !Character.isLowSurrogate(text.charAt(i + 1));
				if (!unstorable) {
					// A whole pair: keep both halves.
					if (replaced != null) {
						replaced.append(c).append(text.charAt(i + 1));
					}
					i++;
					continue;
				}
			}
			else {
				unstorable = c == '\u0000' || Character.isLowSurrogate(c);
			}
			if (unstorable && replaced == null) {
				replaced = new StringBuilder(length).append(text, 0, i);
			}
			if (replaced != null) {
				replaced.append(unstorable ? REPLACEMENT : c);
			}
		}
		return (replaced != null) ? replaced.toString() : text;
	}

}
