package io.github.grpclb.test;

/**
 * A failure with its chain of causes in one line: what a status alone hides (e.g. the IOException behind
 * "UNAVAILABLE: io exception", or whether "UNKNOWN: channel closed" came with a ClosedChannelException).
 */
public final class Causes {

	private Causes() {
	}

	/**
	 * @param failure a failure, or {@code null}
	 * @return "failure <- cause <- cause…", or "none"
	 */
	public static String chain(Throwable failure) {
		if (failure == null) {
			return "none";
		}
		StringBuilder text = new StringBuilder(failure.toString());
		for (Throwable cause = failure.getCause(); cause != null && cause != failure; cause = cause.getCause()) {
			text.append(" <- ").append(cause);
		}
		return text.toString();
	}

}
