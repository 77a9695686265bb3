package io.github.grpclb.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link GrpcLbConfigurationException} into the startup report: which property, why, and what to do.
 */
class GrpcLbConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<GrpcLbConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, GrpcLbConfigurationException cause) {
		String value = (cause.getValue() != null) ? "'" + cause.getValue() + "'" : "(not set)";
		String description = "Invalid gRPC load-balancing configuration:%n%n    Property: %s%n    Value:    %s%n    Reason:   %s"
			.formatted(cause.getProperty(), value, cause.getReason());
		return new FailureAnalysis(description, cause.getAction(), cause);
	}

}
