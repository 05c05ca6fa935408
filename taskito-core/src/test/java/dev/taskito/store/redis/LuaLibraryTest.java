package dev.taskito.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Each script gets the library's lines with only the functions it reaches; the scripts
 * themselves run against real Redis in the store's contract tests.
 */
class LuaLibraryTest {

	private static final String LIBRARY = """
			local B = KEYS[1]
			local K_X = B .. 'x'
			-- the key of a job
			local function job_key(id) return B .. 'job:' .. id end
			local function unused(id)
			  return 'never'
			end
			local function status(id)
			  -- reads job_key's hash
			  return redis.call('HGET', job_key(id), 'status')
			end
			local function touch(id)
			  redis.call('SET', K_X, status(id))
			end
			local READY = 24""";

	@Test
	void keepsTheFunctionsTheScriptReachesAndEveryOtherLine() {
		LuaLibrary library = new LuaLibrary(LIBRARY);
		String trimmed = library.forScript("touch(ARGV[1])\nreturn 1");
		assertThat(library.functionCount()).isEqualTo(4);
		assertThat(trimmed).contains("local function job_key(id) return B .. 'job:' .. id end\nlocal function status(id)");
		assertThat(trimmed).contains("local function job_key(id)", "local function status(id)",
				"local function touch(id)", "local B = KEYS[1]", "local K_X = B .. 'x'", "local READY = 24")
			.doesNotContain("unused", "'never'");
		assertThat(trimmed).isEqualTo(LIBRARY.replace("local function unused(id)\n  return 'never'\nend\n", ""));
	}

	@Test
	void aScriptThatCallsNothingGetsTheConstantsOnly() {
		String trimmed = new LuaLibrary(LIBRARY).forScript("return redis.call('GET', KEYS[1])");
		assertThat(trimmed).doesNotContain("local function").contains("local B = KEYS[1]", "local READY = 24");
	}

	@Test
	void theShippedLibraryParsesAndEveryScriptLosesSomething() throws IOException {
		LuaLibrary library = new LuaLibrary(resource("lib.lua"));
		// Every function of the library is found, one-line ones included.
		assertThat(library.functionCount()).isEqualTo((int) resource("lib.lua").lines()
			.filter((line) -> line.startsWith("local function "))
			.count());
		String finish = library.forScript(resource("finish.lua"));
		assertThat(finish).contains("local function job_key(").doesNotContain("local function schedule_reply(");
		assertThat(library.forScript(resource("dequeue.lua")).length()).isLessThan(resource("lib.lua").length());
	}

	@Test
	void aFunctionWithoutItsEndIsRefused() {
		assertThatIllegalStateException().isThrownBy(() -> new LuaLibrary("local function broken()\n  return 1\n"))
			.withMessageContaining("function broken at line 1");
	}

	private static String resource(String name) throws IOException {
		try (InputStream in = RedisScripts.class.getResourceAsStream(name)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
