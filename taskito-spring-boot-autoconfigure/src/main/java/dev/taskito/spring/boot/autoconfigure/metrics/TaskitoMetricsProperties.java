package dev.taskito.spring.boot.autoconfigure.metrics;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of Taskito's Micrometer meters ({@code taskito.metrics.*}).
 */
@ConfigurationProperties("taskito.metrics")
public class TaskitoMetricsProperties {

	/**
	 * How often each instance reads the cluster-wide gauges (pending, running, oldest
	 * pending, running per task) from the store: one store call per interval.
	 */
	private Duration gaugeInterval = Duration.ofSeconds(10);

	public Duration getGaugeInterval() {
		return this.gaugeInterval;
	}

	public void setGaugeInterval(Duration gaugeInterval) {
		this.gaugeInterval = gaugeInterval;
	}

}
