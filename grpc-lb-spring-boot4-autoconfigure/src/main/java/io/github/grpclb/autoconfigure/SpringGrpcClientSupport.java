package io.github.grpclb.autoconfigure;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import io.github.grpclb.client.GrpcLbClientSupport;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.stub.AbstractStub;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.grpc.client.GlobalClientInterceptor;

/**
 * {@code @GrpcLbClient} values with Spring gRPC: stubs from the generated factory methods (as Spring gRPC's own stub
 * factories make them), and Spring gRPC's global client interceptors: the {@link ClientInterceptor} beans annotated
 * {@link GlobalClientInterceptor} (its observation interceptor among them), in bean order.
 */
final class SpringGrpcClientSupport implements GrpcLbClientSupport {

	private final ListableBeanFactory beanFactory;

	SpringGrpcClientSupport(ListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public List<ClientInterceptor> globalInterceptors() {
		Set<ClientInterceptor> global = Collections.newSetFromMap(new IdentityHashMap<>());
		for (String name : this.beanFactory.getBeanNamesForType(ClientInterceptor.class)) {
			if (this.beanFactory.findAnnotationOnBean(name, GlobalClientInterceptor.class) != null) {
				global.add(this.beanFactory.getBean(name, ClientInterceptor.class));
			}
		}
		// In bean order; an interceptor registered under several names applies once.
		return this.beanFactory.getBeanProvider(ClientInterceptor.class).orderedStream().filter(global::remove).toList();
	}

	@Override
	public AbstractStub<?> createStub(String clientName, Class<? extends AbstractStub<?>> stubType, Channel channel) {
		return GENERATED_STUBS.createStub(clientName, stubType, channel);
	}

}
