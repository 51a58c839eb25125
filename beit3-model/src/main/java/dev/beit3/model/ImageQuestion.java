package dev.beit3.model;

import ai.djl.modality.cv.Image;
import dev.beit3.api.Api;

/**
 * The input of a VQA {@code Predictor}: one image and one question.
 *
 * @param image the image
 * @param question the question
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record ImageQuestion(Image image, String question) {}
