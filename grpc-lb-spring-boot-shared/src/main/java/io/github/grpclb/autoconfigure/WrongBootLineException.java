package io.github.grpclb.autoconfigure;

/**
 * The starter's jar does not match the running Spring Boot line (see {@link BootLineGuard}).
 */
public class WrongBootLineException extends IllegalStateException {

	private final String running;

	private final String problem;

	private final String artifactToUse;

	WrongBootLineException(String running, String problem, String artifactToUse) {
		super("This application runs on " + running + ", but " + problem + ". Depend on " + artifactToUse
				+ " alone.");
		this.running = running;
		this.problem = problem;
		this.artifactToUse = artifactToUse;
	}

	/** @return the running Spring Boot, e.g. "Spring Boot 4.1.2" */
	public String getRunning() {
		return this.running;
	}

	/** @return what does not match */
	public String getProblem() {
		return this.problem;
	}

	/** @return the starter artifact for the running Boot line */
	public String getArtifactToUse() {
		return this.artifactToUse;
	}

}
