package dev.taskito.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.taskito.TaskitoException;
import dev.taskito.store.StoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Taskito's startup errors lead Spring Boot's failure report.
 */
class TaskitoFailureAnalyzerTests {

	private final TaskitoFailureAnalyzer analyzer = new TaskitoFailureAnalyzer();

	@Test
	void describesTheTaskitoExceptionBehindABeanCreationFailure() {
		TaskitoException cause = new TaskitoException("taskito.tasks.sned-email configures a task that does not exist");
		FailureAnalysis analysis = this.analyzer.analyze(new BeanCreationException("taskitoTaskRegistry", cause));
		assertThat(analysis.getDescription())
			.isEqualTo("Taskito could not start: taskito.tasks.sned-email configures a task that does not exist");
		assertThat(analysis.getAction()).contains("README");
		assertThat(analysis.getCause()).isSameAs(cause);
	}

	@Test
	void pointsAtTheStoreWhenItCannotBeReached() {
		FailureAnalysis analysis = this.analyzer
			.analyze(new BeanCreationException("taskitoClaimStore", new StoreUnavailableException("no answer", null)));
		assertThat(analysis.getAction()).contains("taskito.store.type");
	}

}
