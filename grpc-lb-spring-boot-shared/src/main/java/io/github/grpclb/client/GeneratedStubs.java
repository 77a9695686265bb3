package io.github.grpclb.client;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import io.grpc.Channel;
import io.grpc.stub.AbstractStub;

/**
 * Creates stubs through the static factory methods protoc-gen-grpc-java generates next to them
 * ({@code FooGrpc.newBlockingStub(Channel)}, {@code newFutureStub}, {@code newStub}, {@code newBlockingV2Stub}):
 * any method of the enclosing class that takes a {@link Channel} and returns exactly the stub type.
 */
final class GeneratedStubs {

	private GeneratedStubs() {
	}

	static AbstractStub<?> create(Class<? extends AbstractStub<?>> stubType, Channel channel) {
		Class<?> grpcClass = stubType.getEnclosingClass();
		if (grpcClass != null) {
			for (Method method : grpcClass.getMethods()) {
				if (Modifier.isStatic(method.getModifiers()) && method.getReturnType().equals(stubType)
						&& method.getParameterCount() == 1 && method.getParameterTypes()[0].equals(Channel.class)) {
					try {
						return stubType.cast(method.invoke(null, channel));
					}
					catch (IllegalAccessException ex) {
						throw new IllegalStateException("Cannot call " + method, ex);
					}
					catch (InvocationTargetException ex) {
						throw new IllegalStateException(method + " failed", ex.getCause());
					}
				}
			}
		}
		throw new UnsupportedOperationException(stubType.getName() + " has no generated factory method "
				+ "(a static method of its enclosing *Grpc class that takes an io.grpc.Channel and returns it); "
				+ "declare a generated stub type such as FooGrpc.FooBlockingStub, FooFutureStub or FooStub");
	}

}
