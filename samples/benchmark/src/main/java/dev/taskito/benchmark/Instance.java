package dev.taskito.benchmark;

import java.util.List;

import dev.taskito.JobContext;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskHandler;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;

/**
 * One simulated application instance: its own store object (so its own connections), its own
 * registry, queue and, when it works jobs, its own dispatcher, as in AbstractClusterTest.
 */
public final class Instance implements AutoCloseable {

	final ClaimStore store;

	final DefaultTaskQueue queue;

	final TaskDispatcher dispatcher;

	private Instance(ClaimStore store, DefaultTaskQueue queue, TaskDispatcher dispatcher) {
		this.store = store;
		this.queue = queue;
		this.dispatcher = dispatcher;
	}

	/**
	 * Starts the store, and a dispatcher when {@code workers > 0}; only the dispatcher's
	 * concurrency is set, every other setting is the engine's default.
	 */
	static Instance start(Backend backend, String namespace, List<TaskDefinition> tasks, int workers) {
		return start(backend, namespace, tasks, workers, null);
	}

	/** The same, with every store call tallied by {@code trace} when it is not null. */
	static Instance start(Backend backend, String namespace, List<TaskDefinition> tasks, int workers,
			StoreTrace trace) {
		ClaimStore store = backend.newStore(namespace);
		if (trace != null) {
			store = trace.wrap(store);
		}
		store.start();
		TaskRegistry registry = new TaskRegistry();
		tasks.forEach(registry::register);
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		TaskDispatcher dispatcher = null;
		if (workers > 0) {
			dispatcher = TaskDispatcher.builder(store, registry).concurrency(workers).build();
			queue.addEnqueueListener(dispatcher::wakeUp);
		}
		return new Instance(store, queue, dispatcher);
	}

	/** Built but not started: the caller starts several at once. */
	void startDispatcher() {
		this.dispatcher.start();
	}

	@Override
	public void close() {
		if (this.dispatcher != null) {
			this.dispatcher.close();
		}
		this.store.close();
	}

	/** A handler body. */
	@FunctionalInterface
	public interface Body {

		void run(Object[] args) throws Exception;

	}

	/**
	 * @param parameters the handler's parameters
	 * @param body what it does
	 * @return a handler that runs the body and returns nothing
	 */
	public static TaskHandler handler(List<TaskHandler.Parameter> parameters, Body body) {
		return new TaskHandler() {

			@Override
			public List<Parameter> parameters() {
				return parameters;
			}

			@Override
			public Object handle(Object[] args, JobContext context) throws Exception {
				body.run(args);
				return null;
			}

		};
	}

}
