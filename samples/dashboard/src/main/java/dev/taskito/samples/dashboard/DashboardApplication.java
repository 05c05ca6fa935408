package dev.taskito.samples.dashboard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An application with the Taskito dashboard at {@code /taskito}: run it, open
 * http://localhost:8080/taskito/ and sign in as {@code admin} (password {@code admin}, see
 * application.yml) to watch a capped task at its cap, see why charges died and retry them.
 */
@SpringBootApplication
public class DashboardApplication {

	public static void main(String[] args) {
		SpringApplication.run(DashboardApplication.class, args);
	}

}
