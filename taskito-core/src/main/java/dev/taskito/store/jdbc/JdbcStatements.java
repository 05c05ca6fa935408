package dev.taskito.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.taskito.TaskitoException;

/**
 * The SQL of one dialect, read once from the resource files next to this class with the
 * table prefix already in place, so that no statement is assembled at run time.
 * <p>A query file holds blocks that start with a {@code -- name: <name>} line; a schema file
 * holds statements that each end with a {@code ;} at the end of a line (outside a function
 * body between {@code $$} lines, whose own statements end so too). Other lines that
 * start with {@code --} are comments and are dropped. A block that starts with
 * {@code -- fragment: <name>} is no statement but a piece of SQL that several statements
 * share: each <code>${fragment:&lt;name&gt;}</code> in a statement is replaced by it (fragments
 * come before the statements that use them).
 */
final class JdbcStatements {

	static final String PREFIX_PLACEHOLDER = "${prefix}";

	private static final String NAME_MARKER = "-- name:";

	private static final String FRAGMENT_MARKER = "-- fragment:";

	private final Map<String, String> queries;

	private final List<String> schema;

	private final Map<List<String>, String> joined = new ConcurrentHashMap<>();

	private JdbcStatements(Map<String, String> queries, List<String> schema) {
		this.queries = queries;
		this.schema = schema;
	}

	/**
	 * Loads a dialect's query and schema files.
	 * @param dialect the dialect naming the files
	 * @param tablePrefix the validated table prefix
	 * @return the statements
	 */
	/**
	 * Loads statements from another query file of the dialect (such as an older version's,
	 * kept by the tests), with the dialect's schema.
	 */
	static JdbcStatements load(JdbcDialect dialect, String tablePrefix, String queriesResource) {
		String queries = read(queriesResource).replace(PREFIX_PLACEHOLDER, tablePrefix);
		String schema = read(dialect.schemaResource()).replace(PREFIX_PLACEHOLDER, tablePrefix);
		return new JdbcStatements(parseNamed(queries, queriesResource), splitStatements(schema));
	}

	static JdbcStatements load(JdbcDialect dialect, String tablePrefix) {
		String queries = read(dialect.queriesResource()).replace(PREFIX_PLACEHOLDER, tablePrefix);
		String schema = read(dialect.schemaResource()).replace(PREFIX_PLACEHOLDER, tablePrefix);
		return new JdbcStatements(parseNamed(queries, dialect.queriesResource()), splitStatements(schema));
	}

	/**
	 * @param name a statement's name in the query file
	 * @return its SQL
	 * @throws IllegalStateException when the dialect's file lacks it (a packaging bug)
	 */
	/**
	 * @param name a statement's name
	 * @return whether this dialect's query file has it
	 */
	boolean has(String name) {
		return this.queries.containsKey(name);
	}

	String get(String name) {
		String sql = this.queries.get(name);
		if (sql == null) {
			throw new IllegalStateException("No SQL statement named '" + name + "' in this dialect's query file");
		}
		return sql;
	}

	/**
	 * @param names the names of statements in the query file
	 * @return their SQL as one text of several statements, in that order, to send in one
	 *         round trip
	 * @throws IllegalStateException when the dialect's file lacks one (a packaging bug)
	 */
	String joined(String... names) {
		return this.joined.computeIfAbsent(List.of(names),
				(list) -> String.join(";\n", list.stream().map(this::get).toList()));
	}

	/**
	 * @return the schema file's statements, in order
	 */
	List<String> schema() {
		return this.schema;
	}

	/**
	 * @param kind {@code TABLE}, {@code INDEX} or {@code TRIGGER}
	 * @return the lower-case names of the tables, indexes or triggers the schema file creates
	 */
	List<String> schemaObjects(String kind) {
		Pattern create = Pattern.compile(
				"CREATE\\s+(?:UNIQUE\\s+)?" + kind + "\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(\\w+)",
				Pattern.CASE_INSENSITIVE);
		List<String> names = new ArrayList<>();
		for (String ddl : this.schema) {
			Matcher matcher = create.matcher(ddl);
			if (matcher.find()) {
				names.add(matcher.group(1).toLowerCase(Locale.ROOT));
			}
		}
		return names;
	}

	/**
	 * @return the columns the schema file adds to tables created by an older version, each as
	 *         lower-case {@code table.column}
	 */
	List<String> schemaColumns() {
		Pattern addColumn = Pattern.compile(
				"ALTER\\s+TABLE\\s+(\\w+)\\s+ADD\\s+COLUMN\\s+IF\\s+NOT\\s+EXISTS\\s+(\\w+)", Pattern.CASE_INSENSITIVE);
		List<String> columns = new ArrayList<>();
		for (String ddl : this.schema) {
			Matcher matcher = addColumn.matcher(ddl);
			if (matcher.find()) {
				columns.add((matcher.group(1) + "." + matcher.group(2)).toLowerCase(Locale.ROOT));
			}
		}
		return columns;
	}

	/**
	 * @return the lower-case names of the indexes the schema file drops, which a complete
	 *         schema no longer has
	 */
	List<String> schemaDropped() {
		Pattern drop = Pattern.compile("DROP\\s+INDEX\\s+IF\\s+EXISTS\\s+(\\w+)", Pattern.CASE_INSENSITIVE);
		List<String> names = new ArrayList<>();
		for (String ddl : this.schema) {
			Matcher matcher = drop.matcher(ddl);
			if (matcher.find()) {
				names.add(matcher.group(1).toLowerCase(Locale.ROOT));
			}
		}
		return names;
	}

	static String read(String resource) {
		try (InputStream in = JdbcStatements.class.getClassLoader().getResourceAsStream(resource)) {
			if (in == null) {
				throw new TaskitoException("Cannot find " + resource + " on the classpath; is taskito-core complete?");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new TaskitoException("Cannot read " + resource + " from the classpath", ex);
		}
	}

	private static Map<String, String> parseNamed(String text, String resource) {
		Map<String, String> named = new LinkedHashMap<>();
		Map<String, String> fragments = new LinkedHashMap<>();
		Map<String, String> target = null;
		String name = null;
		StringBuilder sql = new StringBuilder();
		for (String line : text.split("\n")) {
			String trimmed = line.trim();
			boolean fragment = trimmed.startsWith(FRAGMENT_MARKER);
			if (fragment || trimmed.startsWith(NAME_MARKER)) {
				put(target, name, sql, fragments, resource);
				target = fragment ? fragments : named;
				name = trimmed.substring((fragment ? FRAGMENT_MARKER : NAME_MARKER).length()).trim();
				sql.setLength(0);
			}
			else if (!trimmed.startsWith("--") && !trimmed.isEmpty()) {
				sql.append(line).append('\n');
			}
		}
		put(target, name, sql, fragments, resource);
		return Map.copyOf(named);
	}

	private static void put(Map<String, String> target, String name, StringBuilder sql, Map<String, String> fragments,
			String resource) {
		if (name == null) {
			return;
		}
		String statement = sql.toString();
		for (Map.Entry<String, String> fragment : fragments.entrySet()) {
			statement = statement.replace("${fragment:" + fragment.getKey() + "}", fragment.getValue());
		}
		if (statement.contains("${fragment:")) {
			throw new IllegalStateException("SQL block '" + name + "' in " + resource
					+ " uses a fragment that is not defined before it");
		}
		statement = stripSemicolon(statement.trim());
		if (target.put(name, statement) != null) {
			throw new IllegalStateException("Two SQL blocks named '" + name + "' in " + resource);
		}
	}

	private static List<String> splitStatements(String text) {
		List<String> statements = new ArrayList<>();
		StringBuilder sql = new StringBuilder();
		// Within a function body ($$ ... $$) a line's ";" ends one of its statements, not the
		// schema file's.
		boolean inBody = false;
		for (String line : text.split("\n")) {
			String trimmed = line.trim();
			if (trimmed.startsWith("--") || trimmed.isEmpty()) {
				continue;
			}
			sql.append(line).append('\n');
			inBody ^= (trimmed.split("\\$\\$", -1).length - 1) % 2 == 1;
			if (!inBody && trimmed.endsWith(";")) {
				statements.add(stripSemicolon(sql.toString().trim()));
				sql.setLength(0);
			}
		}
		if (!sql.toString().isBlank()) {
			statements.add(sql.toString().trim());
		}
		return List.copyOf(statements);
	}

	private static String stripSemicolon(String sql) {
		return sql.endsWith(";") ? sql.substring(0, sql.length() - 1).trim() : sql;
	}

}
