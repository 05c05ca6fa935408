package dev.taskito.samples.dashboard;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A page of the application's own, outside the dashboard: guarded by Spring Boot's default
 * security, not by the dashboard's chain.
 */
@RestController
class SampleController {

	@GetMapping("/hello")
	String hello() {
		return "hello";
	}

}
