package io.github.grpclb.client;

import java.util.List;

import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.stub.AbstractStub;

/**
 * What the gRPC integration of a Spring Boot line contributes to {@link GrpcLbClient} values: its global client
 * interceptors and the way it creates stubs (net.devh's stub factories and transformers on Boot 3.5, the generated
 * stub factory methods on Boot 4). The starter's auto-configuration declares the one bean of this type; without
 * it, stubs come from the generated factory methods and no global interceptor applies.
 */
public interface GrpcLbClientSupport {

	/** Generated stub factory methods, no global interceptors. */
	GrpcLbClientSupport GENERATED_STUBS = new GrpcLbClientSupport() {

		@Override
		public List<ClientInterceptor> globalInterceptors() {
			return List.of();
		}

		@Override
		public AbstractStub<?> createStub(String clientName, Class<? extends AbstractStub<?>> stubType,
				Channel channel) {
			return GeneratedStubs.create(stubType, channel);
		}

	};

	/**
	 * The global client interceptors, in the order they see a call (the first sees it first).
	 * @return the interceptors, possibly empty
	 */
	List<ClientInterceptor> globalInterceptors();

	/**
	 * A stub of a client.
	 * @param clientName the client name
	 * @param stubType the declared stub type
	 * @param channel the client's channel, with the global and per-client interceptors applied
	 * @return the stub
	 * @throws UnsupportedOperationException with what to do, when this stub type cannot be created
	 */
	AbstractStub<?> createStub(String clientName, Class<? extends AbstractStub<?>> stubType, Channel channel);

}
