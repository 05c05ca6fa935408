package dev.taskito;

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

}
