package dev.taskito;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobIdTest {

	@Test
	void idsAreVersion7AndSortByCreation() {
		List<JobId> ids = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			ids.add(JobId.newId());
		}
		assertThat(ids).allMatch((id) -> id.value().version() == 7);
		assertThat(ids).isSorted();
		assertThat(JobId.parse(ids.get(0).toString())).isEqualTo(ids.get(0));
	}

	@Test
	void lowestAtBoundsTheIdsOfEachMillisecond() throws InterruptedException {
		Instant before = Instant.now();
		Thread.sleep(2);
		JobId id = JobId.newId();
		Thread.sleep(2);
		Instant after = Instant.now();
		assertThat(JobId.lowestAt(before)).isLessThan(id);
		assertThat(JobId.lowestAt(after)).isGreaterThan(id);
		long millis = id.value().getMostSignificantBits() >>> 16;
		assertThat(JobId.lowestAt(Instant.ofEpochMilli(millis))).isLessThanOrEqualTo(id);
		assertThat(JobId.lowestAt(Instant.ofEpochMilli(millis + 1))).isGreaterThan(id);
		assertThat(JobId.lowestAt(Instant.ofEpochMilli(millis)).toString()).as("sorts as text as it sorts as an id")
			.isLessThanOrEqualTo(id.toString());
	}

}
