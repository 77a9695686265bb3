package io.github.grpclb.client;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Injects {@link GrpcLbClient} fields of Spring beans.
 */
public final class GrpcLbClientBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

	private GrpcLbClientInjector injector;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.injector = GrpcLbClientInjection.injector((ListableBeanFactory) beanFactory);
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
		ReflectionUtils.doWithFields(bean.getClass(), (field) -> inject(bean, beanName, field),
				(field) -> AnnotatedElementUtils.hasAnnotation(field, GrpcLbClient.class));
		return bean;
	}

	private void inject(Object bean, String beanName, Field field) {
		if (Modifier.isStatic(field.getModifiers())) {
			throw new BeanCreationException(beanName, "@GrpcLbClient is not supported on static field " + field);
		}
		GrpcLbClient annotation = AnnotatedElementUtils.getMergedAnnotation(field, GrpcLbClient.class);
		Object value = this.injector.valueFor(annotation.value(), field.getType(), "field " + field);
		ReflectionUtils.makeAccessible(field);
		ReflectionUtils.setField(field, bean, value);
	}

}
