package io.github.grpclb.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link WrongBootLineException}: which starter belongs to which Spring Boot line.
 */
class WrongBootLineFailureAnalyzer extends AbstractFailureAnalyzer<WrongBootLineException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, WrongBootLineException cause) {
		return new FailureAnalysis(
				"grpc-lb-spring-boot: this application runs on " + cause.getRunning() + ", but " + cause.getProblem()
						+ ".",
				"Depend on io.github.grpclb:" + cause.getArtifactToUse() + " and remove the other grpc-lb-spring-boot "
						+ "starter. grpc-lb-spring-boot-starter is for Spring Boot 3.5 (with net.devh's gRPC starters); "
						+ "grpc-lb-spring-boot4-starter is for Spring Boot 4.1 (with Spring gRPC). The grpc.lb.* "
						+ "properties are the same on both.",
				cause);
	}

}
