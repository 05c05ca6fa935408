package dev.taskito.spring.boot.autoconfigure.actuate;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.TaskQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exposed but not granted more: the {@code taskito} endpoint reads, and refuses to pause a
 * queue, through a real HTTP server; the health component is not exposed at all.
 */
@SpringBootTest(classes = ActuatorTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=taskito")
@DirtiesContext
class TaskitoEndpointAccessTests {

	@TempDir
	static Path embedded;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("taskito.jdbc.embedded-path", embedded::toString);
	}

	@LocalServerPort
	int port;

	@Autowired
	TaskQueue taskQueue;

	@Test
	void readOnlyByDefault() {
		ActuatorHttp http = new ActuatorHttp(this.port);
		assertThat(http.get("/actuator/taskito").status()).isEqualTo(200);
		ActuatorHttp.Answer pause = http.post("/actuator/taskito/queues/held/pause");
		assertThat(pause.status()).as("POST answered " + pause.status() + " " + pause.text()).isBetween(400, 499);
		assertThat(this.taskQueue.pausedQueues()).doesNotContain("held");
		assertThat(http.get("/actuator/health").status()).isEqualTo(404);
	}

}
