package dev.taskito.spring.boot.autoconfigure.observation;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@code taskito.job} observation ({@code taskito.observation.*}).
 */
@ConfigurationProperties("taskito.observation")
public class TaskitoObservationProperties {

	/**
	 * Whether each attempt runs in a 'taskito.job' observation. Unset: only when the
	 * application has a Micrometer Tracing Tracer, so that the job's span continues the
	 * enqueuer's trace. Without a tracer, the observation would add only a second timer and a
	 * long-task timer per attempt to what the metrics listener's 'taskito.job.execution'
	 * already measures, at several microseconds of CPU each; set it to true to have them
	 * anyway (or observation handlers of your own called).
	 */
	private Boolean enabled;

	public Boolean getEnabled() {
		return this.enabled;
	}

	public void setEnabled(Boolean enabled) {
		this.enabled = enabled;
	}

}
