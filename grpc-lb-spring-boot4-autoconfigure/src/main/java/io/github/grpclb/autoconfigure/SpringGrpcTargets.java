package io.github.grpclb.autoconfigure;

import java.net.URI;

import io.grpc.internal.GrpcUtil;

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
		if (client == null || client.getChannel().get(name) == null) {
			return null;
		}
		String target = client.getChannel().get(name).getTarget();
		if (target == null || !target.contains(":/")) {
			return null;
		}
		try {
			return new URI(target);
		}
		catch (java.net.URISyntaxException ex) {
			return null;
		}
	}

}
