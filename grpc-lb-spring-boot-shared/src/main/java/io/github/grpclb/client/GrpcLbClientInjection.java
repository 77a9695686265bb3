package io.github.grpclb.client;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateResolver;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;

/**
 * Installs {@link GrpcLbClient} support for constructor parameters: wraps the bean factory's autowire candidate
 * resolver so that annotated parameters get their stub or channel.
 */
public final class GrpcLbClientInjection implements BeanFactoryPostProcessor {

	private static final String INJECTOR_BEAN = GrpcLbClientInjector.class.getName();

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
		if (beanFactory instanceof DefaultListableBeanFactory listable) {
			AutowireCandidateResolver current = listable.getAutowireCandidateResolver();
			if (!(current instanceof GrpcLbAutowireCandidateResolver)) {
				listable.setAutowireCandidateResolver(new GrpcLbAutowireCandidateResolver(current, injector(listable)));
			}
		}
	}

	/**
	 * The one injector of a bean factory, shared by field and constructor injection so stubs share channels.
	 */
	static GrpcLbClientInjector injector(ListableBeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory configurable) {
			synchronized (configurable) {
				if (!configurable.containsSingleton(INJECTOR_BEAN)) {
					configurable.registerSingleton(INJECTOR_BEAN, new GrpcLbClientInjector(beanFactory));
				}
				return (GrpcLbClientInjector) configurable.getSingleton(INJECTOR_BEAN);
			}
		}
		return new GrpcLbClientInjector(beanFactory);
	}

}
