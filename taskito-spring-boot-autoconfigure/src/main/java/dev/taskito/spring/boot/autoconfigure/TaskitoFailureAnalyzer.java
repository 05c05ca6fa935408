package dev.taskito.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.taskito.TaskitoException;
import dev.taskito.store.StoreUnavailableException;

/**
 * Puts Taskito's own startup errors (which name the bean, method, property or store at
 * fault and the fix) at the top of Spring Boot's "APPLICATION FAILED TO START" report
 * instead of deep in a stack trace.
 */
class TaskitoFailureAnalyzer extends AbstractFailureAnalyzer<TaskitoException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, TaskitoException cause) {
		String action = (cause instanceof StoreUnavailableException)
				? "Make sure the store Taskito uses is running and reachable (spring.datasource.*, spring.data.redis.*), or choose another with taskito.store.type."
				: "Fix what the description names. Every taskito.* property and its default is listed in the README of Taskito for Spring.";
		return new FailureAnalysis("Taskito could not start: " + cause.getMessage(), action, cause);
	}

}
