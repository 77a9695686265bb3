package io.github.grpclb.autoconfigure;

import java.net.URI;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientProperties;

/**
 * The address Spring gRPC gives a named channel, as far as the starter needs it: the configured
 * {@code spring.grpc.client.channel.<name>.target} when it is a URI ({@code dns:///host:port}).
 */
final class SpringGrpcTargets {

	private SpringGrpcTargets() {
	}

	static URI address(ObjectProvider<GrpcClientProperties> properties, String name) {
		GrpcClientProperties client = properties.getIfAvailable();
		GrpcClientProperties.Channel channel = (client != null) ? client.getChannel().get(name) : null;
		String target = (channel != null) ? channel.getTarget() : null;
		if (target == null || !target.contains(":/")) {
			return null;
		}
		try {
			return URI.create(target);
		}
		catch (IllegalArgumentException ex) {
			// Not a URI: Spring gRPC and grpc-java's own resolver keep it, and report it as before.
			return null;
		}
	}

}
