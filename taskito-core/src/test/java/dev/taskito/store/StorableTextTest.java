package dev.taskito.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The text rules every store relies on, where no store is needed to see them: the stores'
 * own behaviour with such text is in {@link ClaimStoreContractTest}.
 */
class StorableTextTest {

	@Test
	void storableTextIsReturnedAsItIs() {
		String text = "plain, with a pair \uD83D\uDE00 and \u00e9";
		assertThat(StorableText.error(text)).isSameAs(text);
		assertThat(StorableText.result(text)).isSameAs(text);
		assertThat(StorableText.error(null)).isNull();
		assertThat(StorableText.result(null)).isNull();
	}

	@Test
	void loneSurrogatesAtEitherEndAndNulAreReplaced() {
		assertThat(StorableText.error("\uDC00a\u0000b\uD800")).isEqualTo("\uFFFDa\uFFFDb\uFFFD");
		assertThat(StorableText.error("\uD800\uD800\uDC00")).isEqualTo("\uFFFD\uD800\uDC00");
	}

	@Test
	void aCutNeverSplitsASurrogatePairAndStaysWithinTheLimit() {
		for (int shift = 0; shift < 40; shift++) {
			String text = "x".repeat(shift) + "\uD83D\uDE00".repeat(StorableText.MAX_ERROR_LENGTH);
			String cut = StorableText.error(text);
			assertThat(cut).hasSizeLessThanOrEqualTo(StorableText.MAX_ERROR_LENGTH)
				.contains("cut by Taskito: " + text.length() + " characters");
			String kept = cut.substring(0, cut.indexOf("\n... (cut by Taskito"));
			assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
			assertThat(cut).endsWith("the first " + kept.length() + " kept)");
		}
	}

	@Test
	void aResultOverTheLimitIsRefusedAndOneAtItIsKept() {
		String atLimit = "r".repeat(StorableText.MAX_RESULT_LENGTH);
		assertThat(StorableText.result(atLimit)).isSameAs(atLimit);
		assertThatIllegalArgumentException().isThrownBy(() -> StorableText.result(atLimit + "r"))
			.withMessageContaining(Integer.toString(StorableText.MAX_RESULT_LENGTH + 1));
	}

}
