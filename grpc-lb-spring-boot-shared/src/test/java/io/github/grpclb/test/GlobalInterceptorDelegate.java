package io.github.grpclb.test;

import io.grpc.ClientInterceptor;

/**
 * A test's interceptor behind the global client interceptor that {@code TestContexts.withGlobalInterceptor} declares
 * the way the Boot line's gRPC integration does.
 */
public interface GlobalInterceptorDelegate extends ClientInterceptor {

}
