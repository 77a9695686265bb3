package io.github.grpclb.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.github.grpclb.client.GrpcLbClientSupport;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.stub.AbstractStub;
import net.devh.boot.grpc.client.inject.StubTransformer;
import net.devh.boot.grpc.client.interceptor.GlobalClientInterceptorRegistry;
import net.devh.boot.grpc.client.stubfactory.FallbackStubFactory;
import net.devh.boot.grpc.client.stubfactory.StubFactory;

import org.springframework.beans.factory.ObjectProvider;

/**
 * {@code @GrpcLbClient} values with net.devh: stubs from its {@link StubFactory} beans (then its fallback), passed
 * through its {@link StubTransformer} beans; its global client interceptors. Collaborators are looked up on first
 * use, not when the context starts.
 */
final class NetDevhClientSupport implements GrpcLbClientSupport {

	private final ObjectProvider<StubFactory> stubFactories;

	private final ObjectProvider<StubTransformer> stubTransformers;

	private final ObjectProvider<GlobalClientInterceptorRegistry> globalInterceptors;

	NetDevhClientSupport(ObjectProvider<StubFactory> stubFactories, ObjectProvider<StubTransformer> stubTransformers,
			ObjectProvider<GlobalClientInterceptorRegistry> globalInterceptors) {
		this.stubFactories = stubFactories;
		this.stubTransformers = stubTransformers;
		this.globalInterceptors = globalInterceptors;
	}

	@Override
	public List<ClientInterceptor> globalInterceptors() {
		GlobalClientInterceptorRegistry registry = this.globalInterceptors.getIfAvailable();
		return (registry != null) ? registry.getClientInterceptors() : List.of();
	}

	@Override
	public AbstractStub<?> createStub(String clientName, Class<? extends AbstractStub<?>> stubType, Channel channel) {
		List<StubFactory> factories = new ArrayList<>(this.stubFactories.orderedStream().toList());
		factories.add(new FallbackStubFactory());
		StubFactory factory = factories.stream()
			.filter((candidate) -> candidate.isApplicable(stubType))
			.findFirst()
			.orElseThrow(() -> new UnsupportedOperationException("no net.devh StubFactory can create "
					+ stubType.getName() + "; declare a StubFactory bean for this stub kind"));
		AbstractStub<?> stub = factory.createStub(stubType, channel);
		for (StubTransformer transformer : this.stubTransformers.orderedStream().toList()) {
			stub = transformer.transform(clientName, stub);
		}
		return stub;
	}

}
