package dev.taskito.store.redis;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.store.ClaimRef;

/**
 * Writing script arguments and reading script replies the same way in every part of the
 * store. The scripts take flat lists of strings and answer with flat lists, so a claim is
 * its id then its token, and a map is its size then each name and number.
 */
final class RedisScriptValues {

	private RedisScriptValues() {
	}

	/**
	 * Adds a claim as its job id, then its token.
	 * @param args the arguments to add to
	 * @param claim the claim
	 */
	static void addClaim(List<String> args, ClaimRef claim) {
		args.add(claim.jobId().toString());
		args.add(claim.token().toString());
	}

	/**
	 * Adds a count of entries, then each name and number.
	 * @param args the arguments to add to
	 * @param counts the names and numbers, such as caps or limits by task
	 */
	static void addCounts(List<String> args, Map<String, Integer> counts) {
		args.add(Integer.toString(counts.size()));
		counts.forEach((name, count) -> {
			args.add(name);
			args.add(Integer.toString(count));
		});
	}

	/**
	 * Adds a count of names, then each name.
	 * @param args the arguments to add to
	 * @param names the names, such as the tasks an instance serves
	 */
	static void addNames(List<String> args, Collection<String> names) {
		args.add(Integer.toString(names.size()));
		args.addAll(names);
	}

	/**
	 * Reads the claims a script answers with, as id and token each.
	 * @param reply the script's reply
	 * @return the claims, in the reply's order
	 */
	static Set<ClaimRef> claimsOf(List<Object> reply) {
		Set<ClaimRef> claims = new LinkedHashSet<>();
		for (int i = 0; i + 1 < reply.size(); i += 2) {
			claims.add(new ClaimRef(JobId.parse(reply.get(i).toString()), UUID.fromString(reply.get(i + 1).toString())));
		}
		return claims;
	}

	/**
	 * @param reply a reply, or part of one
	 * @return the reply as a list: empty for {@code null}, one element for a single value
	 */
	@SuppressWarnings("unchecked")
	static List<Object> list(Object reply) {
		if (reply == null) {
			return List.of();
		}
		if (reply instanceof List<?> list) {
			return (List<Object>) list;
		}
		return List.of(reply);
	}

	/**
	 * @param value a number, its text, or a list of one of those
	 * @return the number
	 */
	static long number(Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof List<?> list && list.size() == 1) {
			return number(list.get(0));
		}
		return Long.parseLong(String.valueOf(value));
	}

	/**
	 * @param reply a script's reply
	 * @return the number its first element holds
	 */
	static long number(List<Object> reply) {
		return number(reply.isEmpty() ? null : reply.get(0));
	}

}
