package dev.taskito.dispatch;

/**
 * Reads {@code -Dtaskito.test.capCheck=BROKEN_COUNT_BEFORE_CLAIM} (or
 * {@code BROKEN_GREATER_OR_EQUAL}), so the cap suites can be run against the bugs they
 * exist to catch.
 */
final class CapCheckSwitch {

	private CapCheckSwitch() {
	}

	static void apply(TaskDispatcher dispatcher) {
		String capCheck = System.getProperty("taskito.test.capCheck");
		if (capCheck != null) {
			dispatcher.setCapCheck(TaskDispatcher.CapCheck.valueOf(capCheck));
		}
	}

}
