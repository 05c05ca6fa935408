package dev.taskito.benchmark.app;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lines between the orchestrator and an application JVM.
 */
class ProtocolTest {

	@Test
	void commandLineRoundTrips() {
		Command command = Command.parse("enqueue noop 20000   500");
		assertThat(command.name()).isEqualTo(Command.ENQUEUE);
		assertThat(command.text(0, "a task")).isEqualTo("noop");
		assertThat(command.number(1, "a job count")).isEqualTo(20_000);
		assertThat(command.line()).isEqualTo("ENQUEUE noop 20000 500");
		assertThat(Command.of(Command.PRODUCE, 200, 3, 1).line()).isEqualTo("PRODUCE 200 3 1");
		assertThat(Command.parse("PRODUCE 200 2.5 1").decimal(1, "seconds")).isEqualTo(2.5);
	}

	@Test
	void commandArgumentsAreCheckedNamingTheCommand() {
		assertThatThrownBy(() -> Command.parse("ENQUEUE_SINGLE 10").number(1, "a thread count"))
			.hasMessage("ENQUEUE_SINGLE needs a thread count");
		assertThatThrownBy(() -> Command.parse("ENQUEUE_SINGLE ten 1").number(0, "a job count"))
			.hasMessageContaining("a job count must be a whole number, not 'ten'");
		assertThatThrownBy(() -> Command.parse("  ")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void replyFieldsRoundTrip() {
		String line = Reply.ok("noop", 20_000L, "first", 1_733_100_000_000_000L, "spans", new long[] { 1, 2, 3, 4 },
				"heap", 12.5, "rss", null, "none", new long[0]);
		assertThat(line).isEqualTo("OK noop=20000 first=1733100000000000 spans=1,2,3,4 heap=12.5 rss=null none=");
		Reply reply = Reply.parse(line);
		assertThat(reply.succeeded()).isTrue();
		assertThat(reply.number("noop")).isEqualTo(20_000);
		assertThat(reply.numbers("spans")).containsExactly(1, 2, 3, 4);
		assertThat(reply.numbers("none")).isEmpty();
		assertThat(reply.decimal("heap")).isEqualTo(12.5);
		assertThat(reply.decimal("rss")).isNull();
		assertThatThrownBy(() -> reply.text("last")).hasMessageContaining("'last'");
	}

	@Test
	void errorsKeepTheirWholeMessageOnOneLine() {
		String line = Reply.error("IllegalStateException: GO:\nno dispatcher");
		assertThat(line).isEqualTo("ERR IllegalStateException: GO: no dispatcher");
		Reply reply = Reply.parse(line);
		assertThat(reply.succeeded()).isFalse();
		assertThat(reply.text("message")).isEqualTo("IllegalStateException: GO: no dispatcher");
	}

	@Test
	void onlyProtocolLinesAreReplies() {
		assertThat(Reply.isReply("READY role=worker pid=12")).isTrue();
		assertThat(Reply.isReply("OK")).isTrue();
		assertThat(Reply.isReply("OKAY then")).isFalse();
		assertThat(Reply.isReply("12:00:00.000 WARN something")).isFalse();
		assertThatThrownBy(() -> Reply.parse("hello")).isInstanceOf(IllegalArgumentException.class);
	}

}
