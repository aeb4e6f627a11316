"""Training: courses, sign-offs and compliance."""

from django.urls import include, path

from governance.training import views as training

training_patterns = (
    [
        path("", training.MyTrainingView.as_view(), name="mine"),
        path("<int:pk>/sign/", training.SignView.as_view(), name="sign"),
        path("signoffs/<int:pk>/", training.SignOffDetailView.as_view(), name="signoff"),
        path("courses/", training.CourseListView.as_view(), name="courses"),
        path("courses/new/", training.CourseCreateView.as_view(), name="course-create"),
        path("courses/<int:pk>/", training.CourseDetailView.as_view(), name="course"),
        path("courses/<int:pk>/edit/", training.CourseFormView.as_view(), name="course-edit"),
        path("courses/<int:pk>/publish/", training.PublishVersionView.as_view(), name="publish"),
        path("compliance/", training.ComplianceView.as_view(), name="compliance"),
        path("compliance/<int:area>/<int:course>/", training.CompliancePeopleView.as_view(), name="compliance-people"),
    ],
    "training",
)

urlpatterns = [
    path("training/", include(training_patterns)),
]
