package dev.taskito.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/**
 * Another process holding the embedded database open, as a second instance of the
 * application would: opens the H2 file, says so, and keeps it open until its input closes.
 */
public final class H2FileHolder {

	private H2FileHolder() {
	}

	public static void main(String[] args) throws Exception {
		Path file = Path.of(args[0]).resolve(TaskitoEmbeddedDatabase.DATABASE_NAME);
		try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + file, "sa", "")) {
			System.out.println("OPEN");
			System.out.flush();
			while (System.in.read() != -1) {
				// wait until the test closes our input or kills us
			}
		}
	}

}
