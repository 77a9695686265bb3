package io.github.grpclb.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanCurrentlyInCreationException;
import org.springframework.beans.factory.ListableBeanFactory;

/**
 * Creates the value of a {@link GrpcLbClient} injection point: a stub through the Boot line's
 * {@link GrpcLbClientSupport}, or the client's channel. Collaborators are looked up on first use, not when the context starts.
 */
final class GrpcLbClientInjector {

	private final ListableBeanFactory beanFactory;

	private final Map<String, Channel> interceptedChannels = new ConcurrentHashMap<>();

	private volatile Collaborators collaborators;

	GrpcLbClientInjector(ListableBeanFactory beanFactory) {
		this.beanFactory = Objects.requireNonNull(beanFactory, "beanFactory");
	}

	/**
	 * The value to inject.
	 * @param clientName the client name from the annotation
	 * @param type the declared type of the injection point
	 * @param injectionPoint description of the injection point, for errors
	 * @return the stub or channel
	 */
	Object valueFor(String clientName, Class<?> type, String injectionPoint) {
		try {
			return create(clientName, type, injectionPoint);
		}
		catch (BeanCurrentlyInCreationException ex) {
			throw new BeanCreationException("@GrpcLbClient(\"" + clientName + "\") on " + injectionPoint
					+ ": the client's channel needs bean '" + ex.getBeanName() + "', which is still being created; "
					+ "typically a global client interceptor or StubTransformer that itself injects a @GrpcLbClient "
					+ "value. Inject ObjectProvider<" + type.getSimpleName() + "> through a constructor or @Bean "
					+ "method parameter there and call getObject() on first use (@Lazy cannot defer a stub: "
					+ "generated stubs are final classes)", ex);
		}
	}

	private Object create(String clientName, Class<?> type, String injectionPoint) {
		if (ManagedChannel.class.equals(type)) {
			return collaborators().registry.channel(clientName);
		}
		if (Channel.class.equals(type)) {
			return channelFor(clientName);
		}
		if (AbstractStub.class.isAssignableFrom(type)) {
			@SuppressWarnings("unchecked")
			Class<? extends AbstractStub<?>> stubType = (Class<? extends AbstractStub<?>>) type;
			return createStub(clientName, stubType, injectionPoint);
		}
		throw new BeanCreationException("@GrpcLbClient(\"" + clientName + "\") on " + injectionPoint + ": type "
				+ type.getName() + " is not supported; declare a generated gRPC stub type (e.g. "
				+ "FooGrpc.FooBlockingStub), io.grpc.Channel or io.grpc.ManagedChannel");
	}

	private Channel channelFor(String clientName) {
		Channel channel = this.interceptedChannels.get(clientName);
		if (channel != null) {
			return channel;
		}
		// Not computeIfAbsent: collecting the interceptors creates beans, and one of those may itself have a
		// @GrpcLbClient injection point, which must not update this map from inside its own computation.
		Collaborators c = collaborators();
		List<ClientInterceptor> interceptors = new ArrayList<>(c.support.globalInterceptors());
		for (GrpcLbClientInterceptorFactory factory : c.interceptorFactories) {
			ClientInterceptor interceptor = factory.interceptorFor(clientName);
			if (interceptor != null) {
				interceptors.add(interceptor);
			}
		}
		channel = ClientInterceptors.interceptForward(c.registry.channel(clientName), interceptors);
		Channel raced = this.interceptedChannels.putIfAbsent(clientName, channel);
		return (raced != null) ? raced : channel;
	}

	private AbstractStub<?> createStub(String clientName, Class<? extends AbstractStub<?>> stubType,
			String injectionPoint) {
		Channel channel = channelFor(clientName);
		try {
			return collaborators().support.createStub(clientName, stubType, channel);
		}
		catch (UnsupportedOperationException ex) {
			throw new BeanCreationException(
					"@GrpcLbClient(\"" + clientName + "\") on " + injectionPoint + ": " + ex.getMessage(), ex);
		}
	}

	private Collaborators collaborators() {
		Collaborators c = this.collaborators;
		if (c == null) {
			c = new Collaborators(this.beanFactory.getBean(GrpcLbChannelRegistry.class),
					this.beanFactory.getBeanProvider(GrpcLbClientSupport.class)
						.getIfAvailable(() -> GrpcLbClientSupport.GENERATED_STUBS),
					this.beanFactory.getBeanProvider(GrpcLbClientInterceptorFactory.class).orderedStream().toList());
			this.collaborators = c;
		}
		return c;
	}

	private record Collaborators(GrpcLbChannelRegistry registry, GrpcLbClientSupport support,
			List<GrpcLbClientInterceptorFactory> interceptorFactories) {
	}

}
