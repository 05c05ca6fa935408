package dev.taskito;

/**
 * Thrown when a schedule is paused or resumed for a task that has none in the store: no
 * instance has started with a periodic task of that name.
 */
public class UnknownScheduleException extends TaskitoException {

	private static final long serialVersionUID = 1L;

	private final String taskName;

	/**
	 * @param taskName the task named
	 * @param operation what was asked, such as {@code pauseSchedule}
	 */
	public UnknownScheduleException(String taskName, String operation) {
		super(operation + ": task '" + taskName + "' has no schedule in the store. Only a task declared with"
				+ " @Task(cron = ...) (or taskito.tasks." + taskName + ".cron) has one, once an instance with it has"
				+ " started; list them with TaskQueue.schedules()");
		this.taskName = taskName;
	}

	/** @return the task named */
	public String getTaskName() {
		return this.taskName;
	}

}
