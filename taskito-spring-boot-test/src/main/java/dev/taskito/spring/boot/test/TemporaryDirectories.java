package dev.taskito.spring.boot.test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Temporary directories that are deleted, with what they hold, when their context closes
 * or, at the latest, when the JVM exits (one shutdown hook for them all, which leaves a
 * directory whose database is still open to its context's own close).
 */
final class TemporaryDirectories {

	private static final Log logger = LogFactory.getLog(TemporaryDirectories.class);

	private static final Set<Path> undeleted = ConcurrentHashMap.newKeySet();

	private static volatile boolean hookAdded;

	private TemporaryDirectories() {
	}

	/**
	 * @param prefix the start of the directory's name
	 * @return a new, empty directory under {@code java.io.tmpdir}, deleted at the JVM's exit
	 *         unless {@link #delete} deleted it first
	 * @throws IOException when it cannot be created
	 */
	static Path create(String prefix) throws IOException {
		addShutdownHook();
		Path directory = Files.createTempDirectory(prefix).toAbsolutePath();
		undeleted.add(directory);
		return directory;
	}

	/**
	 * Deletes a directory and what it holds, as far as it can; what it cannot is logged.
	 * @param directory the directory
	 */
	static void delete(Path directory) {
		undeleted.remove(directory);
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach(TemporaryDirectories::deleteQuietly);
		}
		catch (IOException ex) {
			logger.debug("Could not delete the temporary directory " + directory, ex);
		}
	}

	private static void deleteQuietly(Path path) {
		try {
			Files.deleteIfExists(path);
		}
		catch (IOException ex) {
			logger.debug("Could not delete " + path, ex);
		}
	}

	/**
	 * Whether a file in the directory is locked, by this JVM or another process: H2 locks
	 * its database file while the database is open.
	 */
	private static boolean holdsLockedFile(Path directory) {
		try (Stream<Path> files = Files.list(directory)) {
			return files.filter(Files::isRegularFile).anyMatch(TemporaryDirectories::isLocked);
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean isLocked(Path file) {
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				return true;
			}
			lock.release();
			return false;
		}
		catch (OverlappingFileLockException ex) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void addShutdownHook() {
		if (hookAdded) {
			return;
		}
		synchronized (TemporaryDirectories.class) {
			if (!hookAdded) {
				Runtime.getRuntime().addShutdownHook(new Thread(() -> {
					for (Path directory : Set.copyOf(undeleted)) {
						// A context that its own shutdown hook is closing now deletes its directory
						// once its database is closed; deleting under an open database would only
						// make it fail its last writes.
						if (!holdsLockedFile(directory)) {
							delete(directory);
						}
					}
				}, "taskito-test-cleanup"));
				hookAdded = true;
			}
		}
	}

}
