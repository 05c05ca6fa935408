package dev.taskito.samples.soak;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only file of execution starts and ends, one per worker process, outside the
 * store: a store restart or outage cannot lose its records. Every record is one
 * {@code write} system call of one tab-separated line, so a record written before a
 * {@code kill -9} is in the file (the page cache outlives the process).
 *
 * <pre>
 * S  micros  jobId  instance  attempt  task
 * E  micros  jobId  instance  attempt  task  outcome(ok|failed|interrupted)  leaseLost(true|false)
 * </pre>
 */
public final class Ledger implements AutoCloseable {

	private final FileOutputStream out;

	public Ledger(Path file) {
		try {
			this.out = new FileOutputStream(file.toFile(), true);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** @return the wall clock in microseconds since the epoch, comparable across processes of one host */
	public static long nowMicros() {
		Instant now = Instant.now();
		return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

	public void start(String jobId, String instance, int attempt, String task) {
		write("S\t" + nowMicros() + "\t" + jobId + "\t" + instance + "\t" + attempt + "\t" + task + "\n");
	}

	public void end(String jobId, String instance, int attempt, String task, String outcome, boolean leaseLost) {
		write("E\t" + nowMicros() + "\t" + jobId + "\t" + instance + "\t" + attempt + "\t" + task + "\t" + outcome
				+ "\t" + leaseLost + "\n");
	}

	private synchronized void write(String line) {
		try {
			// Unbuffered: one write(2) per record, the flush the issue asks for.
			this.out.write(line.getBytes(StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public synchronized void close() throws IOException {
		this.out.close();
	}

	/** One record read back. */
	public record Entry(boolean start, long micros, String jobId, String instance, int attempt, String task,
			String outcome, boolean leaseLost) {
	}

	/**
	 * Reads a ledger; a torn last line (the process died inside a write) is skipped.
	 * @param file the ledger
	 * @return its records in file order
	 */
	public static List<Entry> read(Path file) throws IOException {
		List<Entry> entries = new ArrayList<>();
		if (!Files.exists(file)) {
			return entries;
		}
		for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
			String[] f = line.split("\t");
			if (f.length >= 6 && f[0].equals("S")) {
				entries.add(new Entry(true, Long.parseLong(f[1]), f[2], f[3], Integer.parseInt(f[4]), f[5], null, false));
			}
			else if (f.length >= 8 && f[0].equals("E")) {
				entries.add(new Entry(false, Long.parseLong(f[1]), f[2], f[3], Integer.parseInt(f[4]), f[5], f[6],
						Boolean.parseBoolean(f[7])));
			}
		}
		return entries;
	}

}
