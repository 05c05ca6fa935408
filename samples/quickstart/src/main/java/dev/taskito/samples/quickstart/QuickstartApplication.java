package dev.taskito.samples.quickstart;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The quick start: declares a capped task ({@link ThumbnailTasks}), enqueues a few dozen
 * jobs and watches them run ({@link QuickstartRunner}), then exits with 0 if the cap held.
 */
@SpringBootApplication
public class QuickstartApplication {

	public static void main(String[] args) {
		System.exit(SpringApplication.exit(SpringApplication.run(QuickstartApplication.class, args)));
	}

}
