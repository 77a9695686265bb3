package io.github.grpclb.actuate;

import java.util.Map;

/**
 * Calls per backend of a client, for the {@code grpclb} endpoint.
 */
@FunctionalInterface
public interface BackendCalls {

	/** No counts (no metrics). */
	BackendCalls NONE = (client) -> Map.of();

	/**
	 * @param client the client
	 * @return counts by backend address
	 */
	Map<String, Counts> byBackend(String client);

	/**
	 * One backend's calls.
	 * @param calls attempts sent to it
	 * @param failures attempts that did not end OK
	 */
	record Counts(long calls, long failures) {
	}

}
