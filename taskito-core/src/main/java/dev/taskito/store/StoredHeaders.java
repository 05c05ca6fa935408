package dev.taskito.store;

import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.taskito.TaskitoException;

/**
 * A job's headers as every store keeps them: a JSON object of text to text, and nothing at
 * all (SQL {@code NULL}, no hash field) when there are none, so that a job without headers
 * costs no byte more than before they existed. The keys are written in sorted order, so one
 * set of headers is always the same text.
 */
public final class StoredHeaders {

	private static final TypeReference<TreeMap<String, String>> HEADERS = new TypeReference<>() {
	};

	private static final Logger logger = LoggerFactory.getLogger(StoredHeaders.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private StoredHeaders() {
	}

	/**
	 * @param headers a job's headers, never {@code null}
	 * @return their stored text, or {@code null} when there are none
	 */
	public static String encode(Map<String, String> headers) {
		if (headers.isEmpty()) {
			return null;
		}
		try {
			return JSON.writeValueAsString(new TreeMap<>(headers));
		}
		catch (JacksonException ex) {
			throw new TaskitoException("Cannot write the job headers " + headers.keySet() + " as JSON", ex);
		}
	}

	/**
	 * @param text stored headers, or {@code null} or empty for none
	 * @param job the job they belong to, named in the error
	 * @return the headers, never {@code null}; none when the text is not a JSON object of
	 *         text values (written by something other than Taskito), which is logged: headers
	 *         only serve tracing, and a claim already made must still hand its job over
	 */
	public static Map<String, String> decode(String text, Object job) {
		if (text == null || text.isEmpty()) {
			return Map.of();
		}
		try {
			Map<String, String> headers = JSON.readValue(text, HEADERS);
			// Map.copyOf refuses a null value, as the job's record would.
			return (headers != null) ? Map.copyOf(headers) : Map.of();
		}
		catch (JacksonException | NullPointerException ex) {
			logger.warn("Ignoring the stored headers of job {}: they are not a JSON object of text values, so they "
					+ "were not written by Taskito; correct or clear them ({})", job, text, ex);
			return Map.of();
		}
	}

}
