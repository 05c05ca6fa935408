package dev.taskito.benchmark;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StoreCpuTest {

	@Test
	void storeServersAreRedisAndPostgresProcesses() {
		assertThat(StoreCpu.isStoreServer("redis-server")).isTrue();
		assertThat(StoreCpu.isStoreServer("postgres")).isTrue();
		assertThat(StoreCpu.isStoreServer("java")).isFalse();
		assertThat(StoreCpu.isStoreServer("redis-cli")).isFalse();
	}

	@Test
	void cpuTicksAreUserAndSystemTime() {
		String stat = "2233 (redis server) S 1 2233 2233 0 -1 4194560 1590 0 0 0 1234 567 0 0 20 0 5 0 1805 "
				+ "76210176 2778 18446744073709551615";
		assertThat(StoreCpu.cpuTicks(stat)).isEqualTo(1234 + 567);
	}

}
