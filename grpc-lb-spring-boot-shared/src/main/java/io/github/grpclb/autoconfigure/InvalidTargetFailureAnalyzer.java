package io.github.grpclb.autoconfigure;

import io.github.grpclb.channel.InvalidTargetException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a target that passed our checks but that grpc-java refused when the channel was built, naming the
 * client's target property.
 */
class InvalidTargetFailureAnalyzer extends AbstractFailureAnalyzer<InvalidTargetException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidTargetException cause) {
		String property = ClientSettingsResolver.CLIENTS + "." + cause.getClientName() + ".target";
		String reason = "grpc-java cannot build a channel for it: "
				+ ((cause.getCause() != null) ? cause.getCause().getMessage() : cause.getMessage());
		return new GrpcLbConfigurationFailureAnalyzer().analyze(rootFailure,
				new GrpcLbConfigurationException(property, cause.getTarget(), reason,
						"Set " + property + " to host:port (becomes dns:///host:port) or a URI that a registered "
								+ "name resolver accepts, e.g. dns:///orders.my-namespace.svc.cluster.local:9090."));
	}

}
