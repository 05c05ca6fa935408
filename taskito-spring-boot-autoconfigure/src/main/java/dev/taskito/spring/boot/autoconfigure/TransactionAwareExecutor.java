package dev.taskito.spring.boot.autoconfigure;

import java.util.concurrent.Executor;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Runs a task after the current transaction commits, or at once outside a transaction.
 * Taskito wakes its local dispatcher through this after an enqueue, so the dispatcher
 * never looks for a job before the caller's transaction has made it visible (and never
 * wakes for one that was rolled back).
 */
final class TransactionAwareExecutor implements Executor {

	@Override
	public void execute(Runnable task) {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void afterCommit() {
					task.run();
				}

			});
		}
		else {
			task.run();
		}
	}

}
