package dev.taskito.store.redis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code lib.lua} as each script needs it: the library's lines with only the functions the
 * script calls, directly or through other functions, left in.
 *
 * <p>Redis runs a script's whole text at every call, so every {@code local function} of the
 * library is made anew each time: with the library's 75 functions that cost 21 µs per call
 * before the script's own work began (8.7 µs with stop 19's 209 lines), a few per cent of
 * the Redis time of every claim and every finish. A script now makes only the functions it
 * can reach. The library's other lines (its key names and constants) stay, in their order, so
 * every function still sees what it saw.
 *
 * <p>The library is written so that this reads it reliably: a function starts with
 * {@code local function name(} at the start of a line and ends on that line when the line
 * ends with {@code end}, else at the next line that is {@code end} alone; a function is reached when its name appears as a word in the script or
 * in a function reached. A name in a comment or a string only keeps a function that was not
 * needed, never drops one that was.
 */
final class LuaLibrary {

	private static final Pattern FUNCTION_START = Pattern.compile("^local function ([A-Za-z_][A-Za-z0-9_]*)\\(");

	private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

	/** The library's lines, each function's as one piece, in order. */
	private final List<Piece> pieces;

	/** Each function's piece by its name. */
	private final Map<String, Piece> functions = new LinkedHashMap<>();

	/**
	 * @param source the text of {@code lib.lua}
	 * @throws IllegalStateException if a function does not end with a line {@code end}, or a name
	 *         is defined twice
	 */
	LuaLibrary(String source) {
		this.pieces = new ArrayList<>();
		String[] lines = source.split("\n", -1);
		for (int i = 0; i < lines.length; i++) {
			Matcher start = FUNCTION_START.matcher(lines[i]);
			if (!start.find()) {
				this.pieces.add(new Piece(null, lines[i]));
				continue;
			}
			StringBuilder text = new StringBuilder(lines[i]);
			int first = i;
			// A function written on one line ends on it; any other ends at the next line 'end'.
			while (!lines[i].equals("end") && !(i == first && lines[i].endsWith(" end"))) {
				i++;
				if (i == lines.length) {
					throw new IllegalStateException("lib.lua: function " + start.group(1) + " at line " + (first + 1)
							+ " has no line 'end' that closes it");
				}
				text.append('\n').append(lines[i]);
			}
			Piece piece = new Piece(start.group(1), text.toString());
			if (this.functions.put(piece.name(), piece) != null) {
				throw new IllegalStateException("lib.lua defines function " + piece.name() + " twice");
			}
			this.pieces.add(piece);
		}
	}

	/**
	 * @param script a script's own text
	 * @return the library's text for it: every line but those of the functions it never reaches
	 */
	String forScript(String script) {
		Set<String> reached = new HashSet<>();
		Deque<String> toVisit = new ArrayDeque<>(namesIn(script));
		while (!toVisit.isEmpty()) {
			String name = toVisit.pop();
			if (reached.add(name)) {
				toVisit.addAll(namesIn(this.functions.get(name).text()));
			}
		}
		StringBuilder text = new StringBuilder();
		for (Piece piece : this.pieces) {
			if (piece.name() == null || reached.contains(piece.name())) {
				if (!text.isEmpty()) {
					text.append('\n');
				}
				text.append(piece.text());
			}
		}
		return text.toString();
	}

	/**
	 * @return how many functions the library defines
	 */
	int functionCount() {
		return this.functions.size();
	}

	private Set<String> namesIn(String text) {
		Set<String> names = new HashSet<>();
		Matcher word = WORD.matcher(text);
		while (word.find()) {
			if (this.functions.containsKey(word.group())) {
				names.add(word.group());
			}
		}
		return names;
	}

	/**
	 * A line of the library, or a whole function.
	 * @param name the function's name, or {@code null} for any other line
	 * @param text its text, without the last line break
	 */
	private record Piece(String name, String text) {
	}

}
