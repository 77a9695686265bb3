package io.github.grpclb.client;

import org.springframework.beans.factory.config.BeanDefinitionHolder;
import org.springframework.beans.factory.config.DependencyDescriptor;
import org.springframework.beans.factory.support.AutowireCandidateResolver;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;

/**
 * Answers constructor, {@code @Bean} method (and {@code @Autowired}) injection points annotated with
 * {@link GrpcLbClient}, directly or through a composed annotation, and leaves everything else to the resolver it
 * wraps.
 */
final class GrpcLbAutowireCandidateResolver implements AutowireCandidateResolver {

	private final AutowireCandidateResolver delegate;

	private final GrpcLbClientInjector injector;

	GrpcLbAutowireCandidateResolver(AutowireCandidateResolver delegate, GrpcLbClientInjector injector) {
		this.delegate = delegate;
		this.injector = injector;
	}

	@Override
	public Object getSuggestedValue(DependencyDescriptor descriptor) {
		GrpcLbClient annotation = grpcLbClient(descriptor);
		if (annotation != null) {
			return this.injector.valueFor(annotation.value(), descriptor.getDependencyType(), descriptor.toString());
		}
		return this.delegate.getSuggestedValue(descriptor);
	}

	@Override
	public boolean isAutowireCandidate(BeanDefinitionHolder bdHolder, DependencyDescriptor descriptor) {
		return this.delegate.isAutowireCandidate(bdHolder, descriptor);
	}

	@Override
	public boolean isRequired(DependencyDescriptor descriptor) {
		return this.delegate.isRequired(descriptor);
	}

	@Override
	public boolean hasQualifier(DependencyDescriptor descriptor) {
		return this.delegate.hasQualifier(descriptor);
	}

	/**
	 * No lazy proxy for {@link GrpcLbClient} injection points, whatever {@code @Lazy} says: generated stubs are
	 * final classes that no proxy can extend, and nothing needs deferring, as the value is cheap to create and its
	 * channel connects on the first call.
	 */
	@Override
	public Object getLazyResolutionProxyIfNecessary(DependencyDescriptor descriptor, String beanName) {
		if (grpcLbClient(descriptor) != null) {
			return null;
		}
		return this.delegate.getLazyResolutionProxyIfNecessary(descriptor, beanName);
	}

	@Override
	public Class<?> getLazyResolutionProxyClass(DependencyDescriptor descriptor, String beanName) {
		if (grpcLbClient(descriptor) != null) {
			return null;
		}
		return this.delegate.getLazyResolutionProxyClass(descriptor, beanName);
	}

	/**
	 * The annotation on the injection point, merged from a composed annotation if that is how it got there.
	 * {@link DependencyDescriptor#getAnnotation} sees direct annotations only.
	 */
	private static GrpcLbClient grpcLbClient(DependencyDescriptor descriptor) {
		MergedAnnotation<GrpcLbClient> annotation = MergedAnnotations.from(descriptor.getAnnotations())
			.get(GrpcLbClient.class);
		return annotation.isPresent() ? annotation.synthesize() : null;
	}

	@Override
	public AutowireCandidateResolver cloneIfNecessary() {
		return new GrpcLbAutowireCandidateResolver(this.delegate.cloneIfNecessary(), this.injector);
	}

}
