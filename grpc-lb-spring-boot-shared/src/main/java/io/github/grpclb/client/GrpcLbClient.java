package io.github.grpclb.client;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Injects a gRPC stub (blocking, future, async; on Boot 3.5 any kind a net.devh {@code StubFactory} supports), or the
 * client's {@link io.grpc.Channel} / {@link io.grpc.ManagedChannel}, for the client configured under
 * {@code grpc.lb.clients.<value>}. Works on fields, constructor parameters and {@code @Bean} method parameters of
 * Spring beans:
 *
 * <pre>{@code
 * @Service
 * class OrderGateway {
 *     OrderGateway(@GrpcLbClient("orders") OrderServiceGrpc.OrderServiceBlockingStub orders) { ... }
 * }
 * }</pre>
 *
 * <p>
 * It also works as a meta-annotation, so a composed annotation can stand for a client, at all the same places:
 *
 * <pre>{@code
 * @Target({ ElementType.FIELD, ElementType.PARAMETER })
 * @Retention(RetentionPolicy.RUNTIME)
 * @GrpcLbClient("orders")
 * @interface Orders {
 * }
 * }</pre>
 *
 * <p>
 * {@code @Lazy} next to it has no effect: the value is injected straight away. Spring cannot build a lazy proxy for
 * a generated stub (a final class), and there is nothing to defer, as the channel connects on the first call. A bean
 * that the channel itself depends on, such as a global client interceptor that calls a gRPC service, takes an
 * {@code @GrpcLbClient("name") ObjectProvider<FooGrpc.FooBlockingStub>} constructor or {@code @Bean} method
 * parameter instead and calls {@code getObject()} when it first needs the stub.
 *
 * <p>
 * Stubs and {@code Channel} carry the global client interceptors (net.devh's on Boot 3.5, Spring gRPC's
 * {@code @GlobalClientInterceptor} beans on Boot 4) and the starter's metrics; an injected
 * {@code ManagedChannel} is the bare pooled channel (do not shut it down: the starter closes it on shutdown).
 */
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface GrpcLbClient {

	/**
	 * The client name, as configured under {@code grpc.lb.clients.<name>}.
	 * @return the client name
	 */
	String value();

}
