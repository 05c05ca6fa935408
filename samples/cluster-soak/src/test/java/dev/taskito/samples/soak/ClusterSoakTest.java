package dev.taskito.samples.soak;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the cluster soak from Maven: {@code -Dsoak.config=short|long}, {@code -Dsoak.stores=jdbc,redis},
 * {@code -Dsoak.extraArgs="jobs=5000 cycles=2"}. The short configuration on both stores is
 * part of {@code mvn verify}; {@code -Dsoak.skip=true} leaves it out, for a machine whose
 * PostgreSQL must not be restarted (see docs/cluster-soak.md).
 */
@DisabledIfSystemProperty(named = "soak.skip", matches = "true",
		disabledReason = "-Dsoak.skip=true: the soak restarts and stops the local PostgreSQL")
class ClusterSoakTest {

	@Test
	void everyCheckPassesOnEveryStore() throws Exception {
		Map<String, String> given = new HashMap<>();
		given.put("config", System.getProperty("soak.config", "short"));
		given.put("store", System.getProperty("soak.stores", "jdbc,redis"));
		String extra = System.getProperty("soak.extraArgs", "").trim();
		if (!extra.isEmpty()) {
			given.putAll(SoakWorker.parse(extra.split("\\s+")));
		}
		Map<String, String> options = SoakDriver.defaults(given);
		List<String> failed = new ArrayList<>();
		try {
			for (String store : options.get("store").split(",")) {
				Map<String, String> one = new HashMap<>(options);
				one.put("store", store);
				if (!new SoakDriver(one).run()) {
					failed.add(store);
				}
			}
		}
		finally {
			// The driver restores what it stopped; this guards against a driver that died
			// between stopping PostgreSQL and its own finally.
			SoakDriver.ensurePostgresRunning();
		}
		assertTrue(failed.isEmpty(), "soak checks failed on " + failed + "; the report is above and in target/soak");
	}

}
