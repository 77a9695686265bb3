package io.github.grpclb.client;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.grpclb.channel.GrpcLbChannelRegistry;
import io.github.grpclb.test.Backends;
import io.github.grpclb.test.BackendsExtension;
import io.github.grpclb.test.GlobalInterceptorDelegate;
import io.github.grpclb.test.TestContexts;
import io.github.grpclb.test.proto.EchoRequest;
import io.github.grpclb.test.proto.EchoServiceGrpc;
import io.github.grpclb.test.proto.EchoServiceGrpc.EchoServiceBlockingStub;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import jakarta.annotation.PostConstruct;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.aop.framework.autoproxy.BeanNameAutoProxyCreator;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Scope;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.util.AopTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link GrpcLbClient} at every kind of injection point a user writes: fields, constructor parameters and
 * {@code @Bean} method parameters, directly or through a composed annotation, in prototype, proxied and
 * {@code @Lazy} beans. Each injected stub or channel must reach one of the real backends.
 */
class GrpcLbClientTests {

	@RegisterExtension
	final BackendsExtension backendsExtension = new BackendsExtension(5);

	private Backends backends() {
		return this.backendsExtension.get();
	}

	private ApplicationContextRunner runner() {
		return TestContexts.runner()
			.withPropertyValues("grpc.lb.clients.orders.target=" + Backends.HOST + ":" + backends().port());
	}

	@Test
	void whenAComposedAnnotationMarksAConstructorParameterThenItsStubReachesABackend() {
		runner().withBean(ComposedOnConstructor.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertServedByABackend(context.getBean(ComposedOnConstructor.class).stub);
		});
	}

	@Test
	void whenAComposedAnnotationAliasesTheClientNameOnAConstructorParameterThenItsStubReachesABackend() {
		runner().withBean(AliasedOnConstructor.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertServedByABackend(context.getBean(AliasedOnConstructor.class).stub);
		});
	}

	@Test
	void whenAComposedAnnotationMarksBeanMethodParametersThenTheStubAndChannelsReachABackend() {
		runner().withUserConfiguration(ComposedOnBeanMethod.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Injected injected = context.getBean(Injected.class);
			assertServedByABackend(injected.stub);
			assertServedByABackend(EchoServiceGrpc.newBlockingStub(injected.channel));
			assertThat(injected.managed).isSameAs(context.getBean(GrpcLbChannelRegistry.class).channel("orders"));
		});
	}

	@Test
	void whenAComposedAnnotationMarksAFieldThenItsStubReachesABackend() {
		runner().withBean(ComposedOnField.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertServedByABackend(context.getBean(ComposedOnField.class).stub);
		});
	}

	@Test
	void whenBeanMethodParametersAreAnnotatedThenTheStubAndChannelsReachABackend() {
		runner().withUserConfiguration(AnnotatedBeanMethod.class).run((context) -> {
			assertThat(context).hasNotFailed();
			Injected injected = context.getBean(Injected.class);
			assertServedByABackend(injected.stub);
			assertServedByABackend(EchoServiceGrpc.newBlockingStub(injected.channel));
			assertThat(injected.managed).isSameAs(context.getBean(GrpcLbChannelRegistry.class).channel("orders"));
		});
	}

	@Test
	void whenConstructorParametersAreChannelsThenTheyReachABackend() {
		runner().withBean(ChannelsOnConstructor.class).run((context) -> {
			assertThat(context).hasNotFailed();
			ChannelsOnConstructor injected = context.getBean(ChannelsOnConstructor.class);
			assertServedByABackend(EchoServiceGrpc.newBlockingStub(injected.channel));
			assertServedByABackend(EchoServiceGrpc.newBlockingStub(injected.managed));
			assertThat(injected.managed).isSameAs(context.getBean(GrpcLbChannelRegistry.class).channel("orders"));
		});
	}

	@Test
	void whenAPrototypeBeanIsCreatedManyTimesThenEveryInstanceCallsThroughTheOnePooledChannel() {
		runner().withUserConfiguration(Prototypes.class).run((context) -> {
			assertThat(context).hasNotFailed();
			for (int i = 0; i < 10; i++) {
				FieldPrototype byField = context.getBean(FieldPrototype.class);
				ConstructorPrototype byConstructor = context.getBean(ConstructorPrototype.class);
				assertThat(byField).isNotSameAs(context.getBean(FieldPrototype.class));
				assertThat(byConstructor).isNotSameAs(context.getBean(ConstructorPrototype.class));
				for (int call = 0; call < 5; call++) {
					assertServedByABackend(byField.stub);
					assertServedByABackend(byConstructor.stub);
				}
			}
			assertThat(context.getBean(GrpcLbChannelRegistry.class).openChannels()).isEqualTo(1);
			assertThat(backends().connectionCounts()).as("one pooled connection per backend, not one per instance")
				.allSatisfy((address, connections) -> assertThat(connections).as(address).isLessThanOrEqualTo(1));
		});
	}

	@Test
	void whenAFieldInjectedBeanIsProxiedByClassThenCallsThroughTheProxyReachABackend() {
		runner().withBean(FieldInjectedService.class)
			.withUserConfiguration(CountingProxies.class)
			.withPropertyValues("test.proxy-target-class=true")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				FieldInjectedService service = context.getBean(FieldInjectedService.class);
				assertThat(AopUtils.isCglibProxy(service)).isTrue();
				assertThat(AopTestUtils.<FieldInjectedService>getTargetObject(service).stub).as("target's field")
					.isNotNull();
				assertThat(backends().byAddress()).containsKey(service.echo("via proxy"));
				assertThat(context.getBean(CountingProxies.class).advised).hasValue(1);
			});
	}

	@Test
	void whenAConstructorInjectedBeanIsProxiedByInterfaceThenCallsThroughTheProxyReachABackend() {
		runner().withBean(ConstructorInjectedService.class)
			.withUserConfiguration(CountingProxies.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Echo service = context.getBean(Echo.class);
				assertThat(AopUtils.isJdkDynamicProxy(service)).isTrue();
				assertThat(backends().byAddress()).containsKey(service.echo("via proxy"));
				assertThat(context.getBean(CountingProxies.class).advised).hasValue(1);
			});
	}

	@Test
	void whenALazyConstructorParameterIsAStubThenTheStubReachesABackend() {
		runner().withBean(LazyOnConstructor.class).run((context) -> {
			assertThat(context).hasNotFailed();
			LazyOnConstructor injected = context.getBean(LazyOnConstructor.class);
			assertServedByABackend(injected.stub);
			assertServedByABackend(EchoServiceGrpc.newBlockingStub(injected.channel));
			assertServedByABackend(EchoServiceGrpc.newBlockingStub(injected.managed));
		});
	}

	@Test
	void whenALazyFieldIsAStubThenTheStubReachesABackend() {
		runner().withBean(LazyOnField.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertServedByABackend(context.getBean(LazyOnField.class).stub);
		});
	}

	@Test
	void whenAPostConstructMethodUsesAnInjectedFieldThenTheStubIsAlreadyThere() {
		runner().withBean(UsesStubInPostConstruct.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(backends().byAddress()).containsKey(context.getBean(UsesStubInPostConstruct.class).servedBy);
		});
	}

	@Test
	void whenAGlobalInterceptorInjectsAStubThenStartupFailsSayingToInjectAnObjectProvider() {
		TestContexts.withGlobalInterceptor(runner()).withUserConfiguration(InterceptorWithStubField.class)
			.run((context) -> {
				assertThat(context).hasFailed();
				// Which bean of the cycle is named depends on which one the context created first.
				assertThat(context.getStartupFailure())
					.hasStackTraceContaining("@GrpcLbClient(\"orders\") on field ")
					.hasStackTraceContaining(StubInterceptor.class.getName() + ".stub: the client's channel needs bean '")
					.hasStackTraceContaining("Inject ObjectProvider<EchoServiceBlockingStub>");
			});
	}

	@Test
	void whenAGlobalInterceptorTakesAnObjectProviderOfAStubThenBothItAndTheInterceptedStubsReachABackend() {
		TestContexts.withGlobalInterceptor(runner()).withUserConfiguration(InterceptorWithStubProvider.class)
			.withBean(FieldInjectedService.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ProvidedStubInterceptor interceptor = context.getBean(ProvidedStubInterceptor.class);
				assertThat(backends().byAddress()).containsKey(context.getBean(FieldInjectedService.class).echo("hi"));
				assertThat(interceptor.intercepted).as("the injected stub's calls pass the interceptor").hasValue(1);
				assertServedByABackend(interceptor.stub.getObject());
			});
	}

	private void assertServedByABackend(EchoServiceBlockingStub stub) {
		String servedBy = stub.echo(EchoRequest.newBuilder().setMessage("hi").build()).getServedBy();
		assertThat(backends().byAddress()).containsKey(servedBy);
	}

	/** A team's shorthand for {@code @GrpcLbClient("orders")}. */
	@Target({ ElementType.FIELD, ElementType.PARAMETER })
	@Retention(RetentionPolicy.RUNTIME)
	@GrpcLbClient("orders")
	@interface Orders {

	}

	/** A composed annotation that passes the client name on. */
	@Target({ ElementType.FIELD, ElementType.PARAMETER })
	@Retention(RetentionPolicy.RUNTIME)
	@GrpcLbClient("unused")
	@interface TeamClient {

		@AliasFor(annotation = GrpcLbClient.class, attribute = "value")
		String client();

	}

	static class ComposedOnConstructor {

		final EchoServiceBlockingStub stub;

		ComposedOnConstructor(@Orders EchoServiceBlockingStub stub) {
			this.stub = stub;
		}

	}

	static class AliasedOnConstructor {

		final EchoServiceBlockingStub stub;

		AliasedOnConstructor(@TeamClient(client = "orders") EchoServiceBlockingStub stub) {
			this.stub = stub;
		}

	}

	static class ComposedOnField {

		@Orders
		EchoServiceBlockingStub stub;

	}

	record Injected(EchoServiceBlockingStub stub, Channel channel, ManagedChannel managed) {

	}

	@Configuration
	static class ComposedOnBeanMethod {

		@Bean
		Injected injected(@Orders EchoServiceBlockingStub stub, @Orders Channel channel,
				@Orders ManagedChannel managed) {
			return new Injected(stub, channel, managed);
		}

	}

	@Configuration
	static class AnnotatedBeanMethod {

		@Bean
		Injected injected(@GrpcLbClient("orders") EchoServiceBlockingStub stub,
				@GrpcLbClient("orders") Channel channel, @GrpcLbClient("orders") ManagedChannel managed) {
			return new Injected(stub, channel, managed);
		}

	}

	static class ChannelsOnConstructor {

		final Channel channel;

		final ManagedChannel managed;

		ChannelsOnConstructor(@GrpcLbClient("orders") Channel channel,
				@GrpcLbClient("orders") ManagedChannel managed) {
			this.channel = channel;
			this.managed = managed;
		}

	}

	static class FieldPrototype {

		@GrpcLbClient("orders")
		EchoServiceBlockingStub stub;

	}

	static class ConstructorPrototype {

		final EchoServiceBlockingStub stub;

		ConstructorPrototype(@GrpcLbClient("orders") EchoServiceBlockingStub stub) {
			this.stub = stub;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Prototypes {

		@Bean
		@Scope("prototype")
		FieldPrototype fieldPrototype() {
			return new FieldPrototype();
		}

		@Bean
		@Scope("prototype")
		ConstructorPrototype constructorPrototype(@GrpcLbClient("orders") EchoServiceBlockingStub stub) {
			return new ConstructorPrototype(stub);
		}

	}

	interface Echo {

		/**
		 * @param message what to send
		 * @return the address of the backend that answered
		 */
		String echo(String message);

	}

	static class FieldInjectedService implements Echo {

		@GrpcLbClient("orders")
		EchoServiceBlockingStub stub;

		@Override
		public String echo(String message) {
			return this.stub.echo(EchoRequest.newBuilder().setMessage(message).build()).getServedBy();
		}

	}

	static class ConstructorInjectedService implements Echo {

		private final EchoServiceBlockingStub stub;

		ConstructorInjectedService(@GrpcLbClient("orders") EchoServiceBlockingStub stub) {
			this.stub = stub;
		}

		@Override
		public String echo(String message) {
			return this.stub.echo(EchoRequest.newBuilder().setMessage(message).build()).getServedBy();
		}

	}

	/** Proxies every {@code *Service} bean, like {@code @Transactional} or {@code @Async} would, and counts calls. */
	@Configuration(proxyBeanMethods = false)
	static class CountingProxies {

		final AtomicInteger advised = new AtomicInteger();

		@Bean
		static BeanNameAutoProxyCreator countingProxyCreator(
				org.springframework.core.env.Environment environment) {
			BeanNameAutoProxyCreator creator = new BeanNameAutoProxyCreator();
			creator.setBeanNames("*Service");
			creator.setInterceptorNames("countingInterceptor");
			creator.setProxyTargetClass(environment.getProperty("test.proxy-target-class", Boolean.class, false));
			return creator;
		}

		@Bean
		MethodInterceptor countingInterceptor() {
			return (invocation) -> {
				this.advised.incrementAndGet();
				return invocation.proceed();
			};
		}

	}

	static class LazyOnConstructor {

		final EchoServiceBlockingStub stub;

		final Channel channel;

		final ManagedChannel managed;

		LazyOnConstructor(@Lazy @GrpcLbClient("orders") EchoServiceBlockingStub stub,
				@Lazy @GrpcLbClient("orders") Channel channel, @Lazy @GrpcLbClient("orders") ManagedChannel managed) {
			this.stub = stub;
			this.channel = channel;
			this.managed = managed;
		}

	}

	static class UsesStubInPostConstruct {

		@GrpcLbClient("orders")
		EchoServiceBlockingStub stub;

		String servedBy;

		@PostConstruct
		void callOnce() {
			this.servedBy = this.stub.echo(EchoRequest.newBuilder().setMessage("init").build()).getServedBy();
		}

	}

	/**
	 * An interceptor that would call a gRPC service itself, e.g. to fetch a token; global through
	 * {@link TestContexts#withGlobalInterceptor}.
	 */
	static class StubInterceptor implements GlobalInterceptorDelegate {

		@GrpcLbClient("orders")
		EchoServiceBlockingStub stub;

		@Override
		public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
				Channel next) {
			return next.newCall(method, options);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InterceptorWithStubField {

		@Bean
		StubInterceptor stubInterceptor() {
			return new StubInterceptor();
		}

	}

	static class ProvidedStubInterceptor implements GlobalInterceptorDelegate {

		final ObjectProvider<EchoServiceBlockingStub> stub;

		final AtomicInteger intercepted = new AtomicInteger();

		ProvidedStubInterceptor(ObjectProvider<EchoServiceBlockingStub> stub) {
			this.stub = stub;
		}

		@Override
		public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
				Channel next) {
			this.intercepted.incrementAndGet();
			return next.newCall(method, options);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class InterceptorWithStubProvider {

		@Bean
		ProvidedStubInterceptor providedStubInterceptor(
				@GrpcLbClient("orders") ObjectProvider<EchoServiceBlockingStub> stub) {
			return new ProvidedStubInterceptor(stub);
		}

	}

	static class LazyOnField {

		@Lazy
		@GrpcLbClient("orders")
		EchoServiceBlockingStub stub;

	}

}
