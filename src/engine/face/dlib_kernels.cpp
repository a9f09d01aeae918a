#include "engine/face/dlib_kernels.h"

#include <dlib/opencv/cv_image.h>

namespace pd::engine::dlib_kernels {

std::vector<dlib::rect_detection> detect(Detector& det, const cv::Mat& bgr) {
    CV_Assert(bgr.type() == CV_8UC3 && bgr.isContinuous());
    dlib::cv_image<dlib::bgr_pixel> img(cvIplImage(bgr));
    std::vector<dlib::rect_detection> dets;
    det(img, dets);
    return dets;
}

dlib::full_object_detection fit(const dlib::shape_predictor& predictor, const cv::Mat& bgr, const dlib::rectangle& box) {
    CV_Assert(bgr.type() == CV_8UC3);
    dlib::cv_image<dlib::bgr_pixel> img(cvIplImage(bgr));
    return predictor(img, box);
}

void read_predictor(const std::string& path, dlib::shape_predictor& out) { dlib::deserialize(path) >> out; }

void read_detector(const std::string& path, Detector& out) { dlib::deserialize(path) >> out; }

void write_detector(const std::string& path, const Detector& det) { dlib::serialize(path) << det; }

Detector build_frontal_detector() { return dlib::get_frontal_face_detector(); }

}  // namespace pd::engine::dlib_kernels
