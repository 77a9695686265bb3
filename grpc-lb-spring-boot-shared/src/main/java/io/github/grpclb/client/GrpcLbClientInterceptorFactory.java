package io.github.grpclb.client;

import io.grpc.ClientInterceptor;

/**
 * Supplies an interceptor for each client's stubs and channels. Declare beans of this type to add per-client
 * behaviour; they are applied in {@link org.springframework.core.annotation.Order order}, after the global client
 * interceptors (see {@link GrpcLbClientSupport}).
 */
@FunctionalInterface
public interface GrpcLbClientInterceptorFactory {

	/**
	 * The interceptor for a client.
	 * @param clientName the client name
	 * @return the interceptor, or {@code null} for none
	 */
	ClientInterceptor interceptorFor(String clientName);

}
